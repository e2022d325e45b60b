"""Settings: one page that lists every settings page a supervisor or admin may open, in plain words,
so the top bar carries one "Settings" link instead of eight."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse


@dataclass(frozen=True)
class Entry:
    title: str
    url_name: str
    what: str
    permission: str  # who may open it (supervisors read the ones they may see)


SECTIONS = [
    (
        "Channels and hours",
        [
            Entry("Channels", "channels:list", "Connected X accounts, Facebook Pages and mailboxes: health, "
                  "connection tests, credentials.", "channels.view_channelaccount"),
            Entry("Budget and health", "channels:console", "Per account: webhooks, rate limits, API calls "
                  "a day, their X spend, and when each access token expires.", "tickets.manage_settings"),
            Entry("Moderation rules", "channels:moderation", "Public comments hidden as they arrive: account "
                  "and phone numbers, addresses, profanity, listed words.", "tickets.manage_settings"),
            Entry("Schedules", "sla:schedules", "When the team covers each channel: weekly hours, "
                  "holidays and one-off changes.", "tickets.manage_settings"),
            Entry("SLA policies", "sla:policies", "Response and resolution targets by channel, priority and "
                  "customer.", "tickets.manage_settings"),
            Entry("Storm mode", "sla:storm", "One switch for a storm night: extended coverage, storm SLA "
                  "target, banner, surveys and reminders held back; the storm history.",
                  "tickets.view_dashboards"),
            Entry("Out-of-hours replies", "sla:acknowledgements", "What customers are told when they write "
                  "while nobody is in.", "tickets.manage_settings"),
        ],
    ),
    (
        "Team",
        [
            Entry("People", "people:list", "Invite people, set roles and capacity, deactivate.",
                  "tickets.manage_settings"),
            Entry("Assignment", "inbox:assignment", "Automatic assignment per channel account, and who is on "
                  "shift now.", "tickets.view_dashboards"),
            Entry("On call", "safety:on_call", "Who is paged for safety reports outside coverage hours.",
                  "tickets.view_dashboards"),
            Entry("Canned responses", "inbox:canned_list", "Saved replies with placeholders, offered in the "
                  "composer.", "tickets.manage_settings"),
        ],
    ),
    (
        "Safety",
        [
            Entry("Safety phrases", "safety:phrases", "The words that make a message a safety report, with a "
                  "test box.", "tickets.manage_settings"),
            Entry("Safety replies", "safety:replies", "The automatic advice sent with each kind of report.",
                  "tickets.manage_settings"),
            Entry("Critical-care register", "keyaccounts:critical_care", "Customers who depend on power for "
                  "medical equipment.", "tickets.view_dashboards"),
            Entry("Service-area gazetteer", "incidents:gazetteer", "Towns, ZIP codes, streets and feeders, "
                  "and the areas outage reports are grouped by (a CSV upload).", "tickets.view_dashboards"),
            Entry("Outage feeds", "incidents:feeds", "Outage maps the utility publishes (JSON or CSV): "
                  "incidents follow their ETR, status and customers out.", "tickets.view_dashboards"),
        ],
    ),
]  # fmt: skip


def settings_home(request):
    """The settings a supervisor or admin may open, grouped; agents have none (403)."""
    user = request.user
    if not user.has_perm("tickets.view_dashboards"):
        raise PermissionDenied("Settings are for supervisors and admins.")
    sections = [
        (heading, [(entry, reverse(entry.url_name)) for entry in entries if user.has_perm(entry.permission)])
        for heading, entries in SECTIONS
    ]
    context = {"sections": [(heading, entries) for heading, entries in sections if entries]}
    return render(request, "inbox/settings_home.html", context)
