"""The incident pages, under /incidents/ (the gazetteer is a setting: urls.py, under /settings/)."""

from django.urls import path

from . import pages

app_name = "incident_pages"
urlpatterns = [
    path("", pages.incident_list, name="list"),
    path("<int:incident_id>/", pages.incident_page, name="incident"),
    path("<int:incident_id>/confirm/", pages.confirm, name="confirm"),
    path("<int:incident_id>/dismiss/", pages.dismiss, name="dismiss"),
    path("<int:incident_id>/merge/", pages.merge, name="merge"),
    path("<int:incident_id>/split/", pages.split, name="split"),
    path("<int:incident_id>/edit/", pages.edit, name="edit"),
    path("ticket/<int:ticket_id>/move/", pages.ticket_move, name="ticket_move"),
]
