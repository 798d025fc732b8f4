from django.contrib import admin

from .models import Invitation, Membership, ShareLink, Venue


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


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read to help someone whose invitation did not arrive; the link itself is nowhere (only
    its hash is stored): the owner revokes and invites again."""

    list_display = ["email", "venue", "role", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["venue"]
    exclude = ["token_hash"]
    readonly_fields = ["venue", "invited_by", "accepted_by"]
