from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("login", views.login_page, name="login"),
    path("logout", views.logout_view, name="logout"),
    path("profile", views.profile, name="profile"),
    path("language", views.language_set, name="language_set"),
]
