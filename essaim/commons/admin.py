from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .actions import CALENDAR_FIELDS, promote_waiting
from .models import CourseModule, Event, Opportunity, Registration, Resource, SavedSearch, Tool


class ContributedAdmin(admin.ModelAdmin):
    list_filter = ["publication"]
    search_fields = ["title_fr", "title_en", "title_it", "title_es"]
    filter_horizontal = ["themes"]
    autocomplete_fields = ["organisations"]
    readonly_fields = ["contributed_by", "decided_by", "published_at"]

    @admin.display(description=_("title"))
    def title_text(self, item):
        return item.title.text


class CourseModuleInline(admin.StackedInline):
    model = CourseModule
    extra = 0


@admin.register(Resource)
class ResourceAdmin(ContributedAdmin):
    list_display = ["title_text", "kind", "publication", "created_at"]
    list_filter = ["publication", "kind"]
    inlines = [CourseModuleInline]
    autocomplete_fields = ["organisations", "provider"]
    filter_horizontal = ["themes", "replaces"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    extra = 0
    fields = ["name", "email", "organisation_name", "status", "checked_in_at"]
    readonly_fields = fields


@admin.register(Event)
class EventAdmin(ContributedAdmin):
    list_display = ["title_text", "starts_at", "locality", "publication"]
    list_filter = ["publication", "mode", "country"]
    inlines = [RegistrationInline]

    def save_model(self, request, obj, form, change):
        # As through the pages: calendars see the change, freed places go to those waiting.
        if change and any(name in form.changed_data for name in CALENDAR_FIELDS):
            obj.sequence += 1
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            promote_waiting(obj)


@admin.register(Opportunity)
class OpportunityAdmin(ContributedAdmin):
    list_display = ["title_text", "kind", "deadline", "publication"]
    list_filter = ["publication", "kind"]


admin.site.register(Tool, search_fields=["name"])
admin.site.register(SavedSearch, list_display=["user", "query", "checked_at"])
