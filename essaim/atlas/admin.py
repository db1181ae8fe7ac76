"""The admin for network animators: find, filter, edit and hide organisations; edit taxonomies.

Saves go through `actions.py`, so the search index follows every change made here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import actions
from .facts import PLACE_FIELDS
from .models import (
    Audience,
    Family,
    Identifier,
    LegalForm,
    Organisation,
    Role,
    Sector,
    Service,
    Status,
)


class IdentifierInline(admin.TabularInline):
    model = Identifier
    extra = 1


def _status_action(status: Status, description):
    def action(modeladmin, request, queryset):
        count = 0
        for org in queryset:
            actions.do_set_organisation_status(org, status, author=request.user)
            count += 1
        modeladmin.message_user(
            request,
            ngettext("%(count)d organisation updated.", "%(count)d organisations updated.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    action.__name__ = f"make_{status}"
    action.short_description = description
    return action


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "locality", "country", "sector", "status", "updated_at")
    list_filter = ("status", "sector", "legal_form", "families", "territory", "country")
    search_fields = ("name", "locality", "identifiers__value")
    filter_horizontal = ("families", "roles", "services", "audiences")
    readonly_fields = ("created_at", "updated_at")
    inlines = [IdentifierInline]
    actions = [
        _status_action(Status.PUBLISHED, _("Publish the selected organisations")),
        _status_action(Status.HIDDEN, _("Hide the selected organisations")),
        _status_action(Status.ARCHIVED, _("Archive the selected organisations")),
    ]
    fieldsets = (
        (None, {"fields": ("name", "status", "original_language")}),
        (
            _("Descriptions"),
            {
                "fields": (
                    "short_description_fr",
                    "description_fr",
                    "short_description_en",
                    "description_en",
                    "short_description_it",
                    "description_it",
                    "short_description_es",
                    "description_es",
                )
            },
        ),
        (
            _("Classification"),
            {
                "fields": (
                    "legal_form",
                    "sector",
                    "families",
                    "roles",
                    "services",
                    "audiences",
                    "languages",
                    "territory",
                    "size_band",
                    "founding_year",
                )
            },
        ),
        (
            _("Place"),
            {"fields": PLACE_FIELDS},
        ),
        (_("Contact"), {"fields": ("website", "email", "phone", "opening_hours")}),
        (
            _("Provenance"),
            {
                "fields": (
                    "source",
                    "source_id",
                    "source_url",
                    "source_updated_at",
                    "created_at",
                    "updated_at",
                )
            },
        ),
    )

    def save_model(self, request, obj, form, change) -> None:
        # What the entry said before, for its history (the form has already changed `obj`).
        request.essaim_facts_before = actions.admin_facts_before(obj)
        actions.do_save_organisation(obj)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        actions.record_admin_save(form.instance, request.essaim_facts_before, request.user)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_organisation(obj, author=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for org in queryset:
            actions.do_delete_organisation(org, author=request.user)


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("code", "label_fr", "label_en", "label_it", "label_es", "position")
    list_editable = ("position",)
    search_fields = ("code", "label_fr", "label_en", "label_it", "label_es")

    def save_model(self, request, obj, form, change) -> None:
        actions.do_save_taxonomy_term(obj)

    def delete_model(self, request, obj) -> None:
        actions.do_delete_taxonomy_term(obj)

    def delete_queryset(self, request, queryset) -> None:
        for term in queryset:
            actions.do_delete_taxonomy_term(term)


for model in (Family, Role, Service, Audience, LegalForm):
    admin.site.register(model, TaxonomyAdmin)


@admin.register(Sector)
class SectorAdmin(TaxonomyAdmin):
    list_display = ("code", "label_fr", "label_en", "label_it", "label_es", "color", "position")
