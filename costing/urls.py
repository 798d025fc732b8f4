from django.urls import include, path

from . import prices, scenarios, views
from .workspace import CATEGORIES, ITEMS

# The rows of both kinds take the same views (views.row_*), told apart by `kind`.
venue_patterns = [
    path("", views.venue_detail, name="venue_detail"),
    path("export.json", views.venue_export, name="venue_export"),
    path("allocation.csv", views.allocation_csv, name="allocation_csv"),
    path("items/add/<str:pool>/<str:tier>/", views.row_add, {"kind": ITEMS}, name="item_add"),
    path("items/<int:row_id>/", views.row_edit, {"kind": ITEMS}, name="item_edit"),
    path("items/<int:item_id>/details/", views.item_details, name="item_details"),
    path("items/<int:row_id>/delete/", views.row_delete, {"kind": ITEMS}, name="item_delete"),
    path("items/<int:row_id>/move/", views.row_move, {"kind": ITEMS}, name="item_move"),
    path("categories/", views.categories_edit, name="categories_edit"),
    path("categories/add/", views.row_add, {"kind": CATEGORIES}, name="category_add"),
    path("categories/<int:row_id>/", views.row_edit, {"kind": CATEGORIES}, name="category_edit"),
    path(
        "categories/<int:row_id>/delete/",
        views.row_delete,
        {"kind": CATEGORIES},
        name="category_delete",
    ),
    path(
        "categories/<int:row_id>/move/", views.row_move, {"kind": CATEGORIES}, name="category_move"
    ),
    path("keys/", views.keys_edit, name="keys_edit"),
    path("prices/", prices.prices, name="venue_prices"),
    path("prices/pricing/", prices.pricing, name="venue_pricing"),
    path("prices/categories/<int:row_id>/", prices.category_price, name="category_price"),
    path("prices/revenues/add/", prices.revenue_add, name="revenue_add"),
    path("prices/revenues/<int:row_id>/", prices.revenue_edit, name="revenue_edit"),
    path("prices/revenues/<int:row_id>/delete/", prices.revenue_delete, name="revenue_delete"),
    path("scenarios/", scenarios.scenario_list, name="scenario_list"),
    path("scenarios/new/", scenarios.scenario_create, name="scenario_create"),
    path("scenarios/compare/", scenarios.scenario_compare, name="scenario_compare"),
    path("scenarios/<int:scenario_id>/apply/", scenarios.scenario_apply, name="scenario_apply"),
    path("presets/surface/", views.preset_surface, name="preset_surface"),
    path(
        "presets/bonjour-bienvenue/",
        views.preset_bonjour_bienvenue,
        name="preset_bonjour_bienvenue",
    ),
]

urlpatterns = [
    path("", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/import/", views.venue_import, name="venue_import"),
    path("venues/<int:venue_id>/", include(venue_patterns)),
]
