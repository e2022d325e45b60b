"""Storm mode's incidents: the service-area gazetteer, outage reports and the incidents they form.

- `Area`: a part of the service territory one incident is about, usually what one feeder serves.
- `Place`: a name customers use for where they are (a town, a ZIP, a neighbourhood, a street) or a
  piece of the network (a feeder, a substation), with the areas it lies in or serves: a ZIP or a town
  can span several areas, a street usually one. Loaded from the utility's CSV (gazetteer.py).
- `OutageReport`: a customer's message the outage detector read as an outage, with the places it
  named and the one area they narrow down to (none when they do not).
- `Incident`, its `IncidentUpdate` timeline, and `IncidentTicket`: which tickets it groups, who
  linked each and when, and when one left. The link lives here, not on the ticket: tickets sit below
  incidents (arrows point down), and the membership's history is these rows, not ticket events.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Area(models.Model):
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, unique=True, help_text="The name normalised (places.place_key).")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Place(models.Model):
    class Kind(models.TextChoices):
        TOWN = "town", "Town"
        ZIP = "zip", "ZIP code"
        NEIGHBOURHOOD = "neighbourhood", "Neighbourhood"
        STREET = "street", "Street"
        FEEDER = "feeder", "Feeder"
        SUBSTATION = "substation", "Substation"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, help_text="The name normalised (places.place_key).")
    # A street or neighbourhood's town, normalised: "Main St" of Harlan is not Main St of Fairview.
    town_key = models.CharField(max_length=200, blank=True)
    aliases = models.JSONField(default=list, blank=True, help_text="Other names, as written.")
    areas = models.ManyToManyField(Area, related_name="places")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "key", "town_key"], name="place_once_per_town"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


OPEN_STATUSES = ("investigating", "crews_working")


class IncidentQuerySet(models.QuerySet):
    def open(self):
        """Investigating or crews working: not restored, dismissed or merged."""
        return self.filter(status__in=Incident.OPEN)


class Incident(models.Model):
    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        CREWS_WORKING = "crews_working", "Crews working"
        RESTORED = "restored", "Restored"
        # A proposal a supervisor dismissed, and an incident merged into another: kept as records.
        DISMISSED = "dismissed", "Dismissed"
        MERGED = "merged", "Merged"

    OPEN = (Status.INVESTIGATING, Status.CREWS_WORKING)

    title = models.CharField(max_length=200)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.INVESTIGATING)
    etr = models.DateTimeField(null=True, blank=True, help_text="Estimated restoration time.")
    customers_out = models.PositiveIntegerField(null=True, blank=True)
    # Proposed by the spike detector and not yet confirmed by a supervisor.
    proposed = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # The outage feed's item this incident follows (its ETR, status, customers out), if linked.
    feed_item = models.ForeignKey(
        "FeedItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    # When the ETR moves (by hand or from the feed), send the customers an update by itself.
    notify_on_etr_change = models.BooleanField(default=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["area"], condition=Q(status__in=OPEN_STATUSES), name="incident_open_by_area"
            ),
            models.Index(fields=["status", "-created_at"], name="incident_status_idx"),
        ]
        constraints = [
            # The spike detector proposes once per area: two workers crossing the threshold together
            # cannot both (it also locks the area row; this is the database's word on it).
            models.UniqueConstraint(
                fields=["area"],
                condition=Q(proposed=True, status__in=OPEN_STATUSES),
                name="one_proposal_per_area",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status in self.OPEN


class IncidentUpdate(models.Model):
    """One entry of the incident's timeline (what was said, the status and ETR it set).

    A `broadcast` entry is also sent to every linked ticket's customer on their own channel: its
    `text` may hold placeholders ({{area}}, {{etr}}, {{status}}, {{first_name}}), filled per ticket;
    each ticket's send is an `IncidentDelivery`. `resolves`: the restoration's final message, which
    resolves the tickets it is sent on."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    broadcast = models.BooleanField(default=False)
    resolves = models.BooleanField(default=False)
    # Sent by itself: an ETR that moved (notify_on_etr_change, the outage feed), not typed by a person.
    automatic = models.BooleanField(default=False)
    # The fan-out's plan: how many tickets it reaches, and when the last paced send is due.
    planned = models.PositiveIntegerField(null=True, blank=True)
    finishes_at = models.DateTimeField(null=True, blank=True)
    # Set once every delivery row exists and every reply is queued: the fan-out has nothing left to do.
    fanned_out_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Incident.Status.choices)
    etr = models.DateTimeField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.incident_id} at {self.created_at:%Y-%m-%d %H:%M}: {self.text[:60]}"


class IncidentTicket(models.Model):
    """A ticket's membership of an incident. A ticket is in at most one incident at a time; a row
    whose `unlinked_at` is set is history (an agent moved the ticket out)."""

    class LinkedBy(models.TextChoices):
        DETECTOR = "detector", "Outage detector"
        AGENT = "agent", "Agent"
        SUPERVISOR = "supervisor", "Supervisor"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    linked_by = models.CharField(max_length=16, choices=LinkedBy.choices)
    linked_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField()
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(unlinked_at__isnull=True), name="ticket_in_one_incident"
            ),
        ]
        indexes = [models.Index(fields=["incident", "linked_at"], name="incident_ticket_idx")]

    def __str__(self):
        return f"ticket {self.ticket_id} in incident {self.incident_id}"


class OutageReport(models.Model):
    """A customer's message read as an outage report: once per message (the task may run twice)."""

    message = models.OneToOneField("tickets.Message", on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # The one area the message's places narrow down to; None when they name none or several.
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    candidate_areas = models.JSONField(default=list, blank=True, help_text="Area ids the places allow.")
    places = models.JSONField(default=list, blank=True, help_text="What was found where, and why.")
    matched = models.CharField(max_length=200, help_text="The customer's words that read as an outage.")
    why = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["area", "received_at"], name="outage_report_area_idx")]

    def __str__(self):
        return f"outage report of message {self.message_id}"


class IncidentDelivery(models.Model):
    """One broadcast update to one ticket: exactly once per (update, ticket), whatever dies halfway.

    `pending` until its reply is queued through tickets.services (the reply's compose token is the
    (update, ticket) pair, so a repeat finds it); then `queued`, and what happened next is the reply's
    own delivery state (sent, failed, unknown). `skipped` with the reason when the ticket's channel
    cannot take it (Messenger's window closed, the account gone)."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        QUEUED = "queued", "Queued"
        SKIPPED = "skipped", "Skipped"

    update = models.ForeignKey(IncidentUpdate, on_delete=models.CASCADE, related_name="deliveries")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    # The reply's kind (an X mention reply, a Messenger message, an email...), for counts per channel.
    channel = models.CharField(max_length=16)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    reason = models.TextField(blank=True)
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The paced slot: the reply is not sent before this (the platform's rate limit).
    send_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["update", "ticket"], name="one_delivery_per_update_ticket"),
        ]
        indexes = [models.Index(fields=["update", "state"], name="incident_delivery_state_idx")]

    def __str__(self):
        return f"update {self.update_id} to ticket {self.ticket_id}: {self.state}"


class FeedSource(models.Model):
    """An outage feed: a URL publishing current outages (JSON or CSV: area, customers out, cause,
    ETR), as outage-map vendors do. Polled by beat; each row becomes a `FeedItem`."""

    class Format(models.TextChoices):
        AUTO = "auto", "By its content type"
        JSON = "json", "JSON"
        CSV = "csv", "CSV"

    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.AUTO)
    enabled = models.BooleanField(default=True)
    poll_seconds = models.PositiveIntegerField(default=120)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class FeedItem(models.Model):
    """One current outage as the feed last published it; `gone_at` once the feed no longer lists it."""

    source = models.ForeignKey(FeedSource, on_delete=models.CASCADE, related_name="items")
    # The feed's own id for the outage, or its area's name when it gives none.
    key = models.CharField(max_length=200)
    area_name = models.CharField(max_length=200)
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_items"
    )
    customers_out = models.PositiveIntegerField(null=True, blank=True)
    cause = models.CharField(max_length=200, blank=True)
    etr = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=100, blank=True, help_text="As the feed says it.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    gone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["area_name"]
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="feed_item_once")]

    def __str__(self):
        return f"{self.source}: {self.area_name}"
