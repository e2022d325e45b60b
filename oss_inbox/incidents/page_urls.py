"""The incident pages, under /incidents/ (the gazetteer is a setting: urls.py, under /settings/)."""

from django.urls import path

from . import pages, report_pages, update_pages

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
    # The post-event reports (report_pages.py): an incident's, a storm period's; page, print, CSV.
    path("reports/", report_pages.report_index, name="reports"),
    path("<int:incident_id>/report/", report_pages.incident_report, name="incident_report"),
    path("<int:incident_id>/report/print/", report_pages.incident_report_print, name="incident_report_print"),
    path("<int:incident_id>/report.csv", report_pages.incident_report_csv, name="incident_report_csv"),
    path("storms/<int:storm_id>/report/", report_pages.storm_report, name="storm_report"),
    path("storms/<int:storm_id>/report/print/", report_pages.storm_report_print, name="storm_report_print"),
    path("storms/<int:storm_id>/report.csv", report_pages.storm_report_csv, name="storm_report_csv"),
    # One update to all (update_pages.py): the panel, its preview, send, restore, ETR switch, progress.
    path("<int:incident_id>/updates/", update_pages.updates_panel, name="updates"),
    path("<int:incident_id>/updates/preview/", update_pages.update_preview, name="update_preview"),
    path("<int:incident_id>/updates/send/", update_pages.update_send, name="update_send"),
    path("<int:incident_id>/updates/restore/", update_pages.update_restore, name="update_restore"),
    path("<int:incident_id>/updates/notify/", update_pages.update_notify, name="update_notify"),
    path("updates/<int:update_id>/progress/", update_pages.update_progress, name="update_progress"),
]
