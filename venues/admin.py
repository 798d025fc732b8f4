from django.contrib import admin

from .models import Membership, Venue


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "total_surface_m2", "currency", "updated_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]
