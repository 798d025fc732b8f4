from django.urls import include, path

from . import views

urlpatterns = [
    path(
        "venues/<int:venue_id>/",
        include(
            [
                path("edit/", views.venue_edit, name="venue_edit"),
                path("delete/", views.venue_delete, name="venue_delete"),
                path("share/", views.share_links, name="share_links"),
                path("share/<int:link_id>/revoke/", views.share_revoke, name="share_revoke"),
                path("share/<int:link_id>/prices/", views.share_prices, name="share_prices"),
            ]
        ),
    ),
]
