from django.urls import include, path

from . import views

period_patterns = [
    path("", views.period_list, name="period_list"),
    path("close/", views.period_close, name="period_close"),
    path("pin/<int:link_id>/", views.share_pin, name="share_pin"),
    path("compare/", views.period_compare, name="period_compare"),
    path("year/<int:year>/", views.period_year, name="period_year"),
    path("year/<int:year>/statement.pdf", views.year_statement, name="year_statement"),
    path("<str:month>/", views.period_detail, name="period_detail"),
    path("<str:month>/allocation.json", views.period_allocation, name="period_allocation"),
    path("<str:month>/statement.pdf", views.period_statement, name="period_statement"),
    path("<str:month>/reopen/", views.period_reopen, name="period_reopen"),
]

urlpatterns = [path("venues/<int:venue_id>/periods/", include(period_patterns))]
