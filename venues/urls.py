from django.urls import path

from costing import views as costing

from . import sharing, views

urlpatterns = [
    path("", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/import/", views.venue_import, name="venue_import"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:venue_id>/edit/", views.venue_edit, name="venue_edit"),
    path("venues/<int:venue_id>/delete/", views.venue_delete, name="venue_delete"),
    path("venues/<int:venue_id>/export.json", views.venue_export, name="venue_export"),
    path("venues/<int:venue_id>/allocation.csv", views.allocation_csv, name="allocation_csv"),
    path("venues/<int:venue_id>/share/", sharing.share_links, name="share_links"),
    path(
        "venues/<int:venue_id>/share/<int:link_id>/revoke/",
        sharing.share_revoke,
        name="share_revoke",
    ),
    path(
        "venues/<int:venue_id>/items/add/<str:pool>/<str:tier>/",
        costing.item_add,
        name="item_add",
    ),
    path("venues/<int:venue_id>/items/<int:item_id>/", costing.item_edit, name="item_edit"),
    path(
        "venues/<int:venue_id>/items/<int:item_id>/details/",
        costing.item_details,
        name="item_details",
    ),
    path(
        "venues/<int:venue_id>/items/<int:item_id>/delete/",
        costing.item_delete,
        name="item_delete",
    ),
    path("venues/<int:venue_id>/items/<int:item_id>/move/", costing.item_move, name="item_move"),
    path("venues/<int:venue_id>/categories/add/", costing.category_add, name="category_add"),
    path(
        "venues/<int:venue_id>/categories/<int:category_id>/",
        costing.category_edit,
        name="category_edit",
    ),
    path(
        "venues/<int:venue_id>/categories/<int:category_id>/delete/",
        costing.category_delete,
        name="category_delete",
    ),
    path(
        "venues/<int:venue_id>/categories/<int:category_id>/move/",
        costing.category_move,
        name="category_move",
    ),
    path("venues/<int:venue_id>/keys/", costing.keys_edit, name="keys_edit"),
    path("venues/<int:venue_id>/presets/surface/", costing.preset_surface, name="preset_surface"),
    path(
        "venues/<int:venue_id>/presets/bonjour-bienvenue/",
        costing.preset_bonjour_bienvenue,
        name="preset_bonjour_bienvenue",
    ),
]
