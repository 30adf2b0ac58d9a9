"""Fields translated per language by django-modeltranslation."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from .models import Category


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name",)
