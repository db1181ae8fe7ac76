from django.contrib import admin

from essaim.core.admin import ReadOnlyAdmin

from .models import Competence, Crosswalk, Framework


class ReadOnly(ReadOnlyAdmin):
    """Frameworks change by `essaim load_framework` alone: from the file, whole or not at all."""


@admin.register(Framework)
class FrameworkAdmin(ReadOnly):
    list_display = ["key", "name_en", "published"]


@admin.register(Competence)
class CompetenceAdmin(ReadOnly):
    list_display = ["key", "name_en", "esco_uri"]
    list_filter = ["framework"]
    search_fields = ["key", "name_fr", "name_en", "name_it", "name_es"]


@admin.register(Crosswalk)
class CrosswalkAdmin(ReadOnly):
    list_display = ["source", "relation", "target"]
