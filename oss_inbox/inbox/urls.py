from django.urls import path

from . import (
    actions,
    assignment_views,
    attachments,
    bulk,
    canned_views,
    counter,
    critical_care,
    moderation_views,
    queue_views,
    settings_home,
    views,
)

app_name = "inbox"
urlpatterns = [
    path("", queue_views.queue, name="queue"),
    path("settings/", settings_home.settings_home, name="settings"),
    path("settings/assignment/", assignment_views.assignment, name="assignment"),
    path("settings/assignment/available/", assignment_views.set_available, name="assignment_available"),
    path("queue/version/", views.queue_version, name="queue-version"),
    path("queue/bulk/", bulk.bulk, name="bulk"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/state/", views.ticket_state, name="state"),
    path("tickets/<int:ticket_id>/canned/", views.canned_text, name="canned"),
    path("tickets/<int:ticket_id>/claim/", actions.claim, name="claim"),
    path("tickets/<int:ticket_id>/assign/", actions.assign, name="assign"),
    path("tickets/<int:ticket_id>/status/", actions.set_status, name="status"),
    path("tickets/<int:ticket_id>/priority/", actions.set_priority, name="priority"),
    path("tickets/<int:ticket_id>/safety/", actions.set_safety, name="safety"),
    path("tickets/<int:ticket_id>/critical-care/", critical_care.set_critical_care, name="critical_care"),
    path("tickets/<int:ticket_id>/tags/", actions.tag_add, name="tag"),
    path("tickets/<int:ticket_id>/tags/remove/", actions.tag_remove, name="untag"),
    path("tickets/<int:ticket_id>/compose/", actions.compose, name="compose"),
    path("tickets/<int:ticket_id>/compose/count/", counter.reply_count, name="reply_count"),
    path("tickets/<int:ticket_id>/messages/<int:message_id>/retry/", actions.retry, name="retry"),
    path("tickets/<int:ticket_id>/messages/<int:message_id>/hide/", moderation_views.hide, name="hide"),
    path(
        "tickets/<int:ticket_id>/attachments/<int:attachment_id>/", attachments.attachment, name="attachment"
    ),
    path("settings/canned/", canned_views.canned_list, name="canned_list"),
    path("settings/canned/new/", canned_views.canned_edit, name="canned_new"),
    path("settings/canned/preview/", canned_views.canned_preview_view, name="canned_preview"),
    path("settings/canned/<int:canned_id>/", canned_views.canned_edit, name="canned_edit"),
    path("settings/canned/<int:canned_id>/delete/", canned_views.canned_delete, name="canned_delete"),
]
