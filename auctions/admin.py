"""Staff views of auctions. Categories are edited in every language side by
side (django-modeltranslation)."""

from __future__ import annotations

from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Category


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name_en", "name_ru", "name_ar", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
