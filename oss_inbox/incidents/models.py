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


class Incident(models.Model):
    class Status(models.TextChoices):
        INVESTIGATING = "investigating", "Investigating"
        CREWS_WORKING = "crews_working", "Crews working"
        RESTORED = "restored", "Restored"

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

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["area"], condition=~Q(status="restored"), name="incident_open_by_area"),
        ]
        constraints = [
            # The spike detector proposes once per area: two workers crossing the threshold together
            # cannot both (it also locks the area row; this is the database's word on it).
            models.UniqueConstraint(
                fields=["area"],
                condition=Q(proposed=True) & ~Q(status="restored"),
                name="one_proposal_per_area",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.status != self.Status.RESTORED


class IncidentUpdate(models.Model):
    """One entry of the incident's timeline (what was said, the status and ETR it set)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
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
