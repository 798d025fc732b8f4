from django.urls import path

from . import views

urlpatterns = [
    path("s/<str:token>/", views.share_page, name="share_page"),
    path("s/<str:token>/allocation.json", views.share_allocation, name="share_allocation"),
    path("s/<str:token>/statement.pdf", views.share_statement, name="share_statement"),
]
