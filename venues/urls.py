from django.urls import path

from . import views

urlpatterns = [
    path("", views.venue_list, name="venue_list"),
    path("venues/new/", views.venue_create, name="venue_create"),
    path("venues/<int:venue_id>/", views.venue_detail, name="venue_detail"),
    path("venues/<int:venue_id>/edit/", views.venue_edit, name="venue_edit"),
    path("venues/<int:venue_id>/delete/", views.venue_delete, name="venue_delete"),
]
