from django.contrib import admin

from .models import Membership, ShareLink, Venue


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "total_surface_m2", "currency", "updated_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["label", "venue", "created_at", "revoked_at"]
    list_select_related = ["venue"]
    exclude = ["token"]
