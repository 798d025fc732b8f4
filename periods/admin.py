from django.contrib import admin

from .models import Period


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    """Read-only: a closed period never changes (docs/periods.md)."""

    list_display = ["venue", "month", "version", "closed_at", "reopened_at"]
    list_select_related = ["venue"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
