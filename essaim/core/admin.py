from django.contrib import admin

from .models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """What the admin shows without changing: data that actions or commands alone write."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit trail, read-only: it is written by the actions alone."""

    list_display = ["at", "action", "target_id", "actor"]
    list_filter = ["action"]
    search_fields = ["action"]
    date_hierarchy = "at"
