from __future__ import annotations

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

from accounts.forms import StaffAdminAuthenticationForm
from auctions.views.listing import auction_list

from . import views

# Staff reach the back office only with a verified second factor (TOTP).
admin.site.__class__ = OTPAdminSite
admin.site.login_form = StaffAdminAuthenticationForm

urlpatterns = [
    path("", auction_list, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("accounts.urls")),
    path("", include("payments.urls")),
    path("", include("auctions.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
