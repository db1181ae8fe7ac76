from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import actions
from .models import CourseModule, Event, Opportunity, Registration, Resource, SavedSearch, Tool


class ContributedAdmin(admin.ModelAdmin):
    list_filter = ["publication"]
    search_fields = ["title_fr", "title_en", "title_it", "title_es"]
    filter_horizontal = ["themes"]
    autocomplete_fields = ["organisations"]
    readonly_fields = ["contributed_by", "decided_by", "published_at"]

    def save_model(self, request, obj, form, change) -> None:
        pass  # saved with its relations and inlines, in one action (save_related)

    def save_related(self, request, form, formsets, change) -> None:
        actions.do_save_from_admin(form, formsets, actor=request.user, creating=not change)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_item(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for item in queryset:
            actions.do_delete_item(item, actor=request.user)

    @admin.display(description=_("title"))
    def title_text(self, item) -> str:
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
    """Shown, not edited: registrations change through their own pages (the organiser's list,
    the cancellation link)."""

    model = Registration
    extra = 0
    fields = ["name", "email", "organisation_name", "status", "checked_in_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ContributedAdmin):
    list_display = ["title_text", "starts_at", "locality", "publication"]
    list_filter = ["publication", "mode", "country"]
    inlines = [RegistrationInline]


@admin.register(Opportunity)
class OpportunityAdmin(ContributedAdmin):
    list_display = ["title_text", "kind", "deadline", "publication"]
    list_filter = ["publication", "kind"]


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    search_fields = ["name"]

    def save_model(self, request, obj, form, change) -> None:
        actions.do_save_tool(obj, actor=request.user)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_tool(obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for tool in queryset:
            actions.do_delete_tool(tool, actor=request.user)


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    """Shown, not edited: each member manages their own searches."""

    list_display = ["user", "query", "checked_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
