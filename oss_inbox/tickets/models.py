from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse

from channels.models import ChannelAccount, ChannelKind
from channels.registry import private_reply_kinds
from oss_inbox.sla.states import OPEN_STATUSES, SlaState, TicketStatus
from oss_inbox.staff.roles import may_work_queue

# Where a customer wrote in public, we may answer in private instead: the kind of message that does
# (an X mention -> a DM to its author; a Facebook comment or visitor post -> a Messenger private reply).
PRIVATE_REPLY_KINDS = private_reply_kinds()  # from each channel's spec (channels/<kind>/spec.py)


class Organization(models.Model):
    """A customer organisation; key accounts get concierge service (see oss_inbox.keyaccounts)."""

    class Tier(models.TextChoices):
        STRATEGIC = "strategic", "Strategic"
        MAJOR = "major", "Major"
        STANDARD = "standard", "Standard"

    name = models.CharField(max_length=200, unique=True)
    is_key_account = models.BooleanField(default=False)
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_accounts",
        help_text="Gets the account's new tickets and the quarterly update reminders.",
    )
    backup_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="backed_up_accounts",
        help_text="Stands in when the account manager is away or has left.",
    )
    service_addresses = models.TextField(blank=True, help_text="Sites and meters served, one per line.")
    critical_care = models.BooleanField(
        default=False,
        help_text="Depends on power for life or health (a hospital, a care home): its tickets are at least "
        "High priority, and an outage it reports is a safety ticket.",
    )
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def manager_on_duty(self):
        """Who gets the account's tickets: the account manager, else the backup (people who work the
        queue: active, with a role)."""
        return next(
            (user for user in (self.account_manager, self.backup_manager) if may_work_queue(user)), None
        )


class OrganizationDomain(models.Model):
    """An email domain whose senders belong to the organization (one organization per domain)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    def __str__(self):
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.strip().lower()
        super().save(*args, **kwargs)


class Contact(models.Model):
    """One customer, across every channel they write on."""

    name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    critical_care = models.BooleanField(
        default=False,
        help_text="Depends on power for life or health (life support, oxygen, dialysis): their tickets are "
        "at least High priority, and an outage they report is a safety ticket.",
    )
    # A merged contact keeps its row so that old links resolve to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name or f"Contact #{self.pk}"

    @property
    def depends_on_power(self):
        """Critical care: flagged, or of a critical-care organization (a hospital's people)."""
        return self.critical_care or (self.organization is not None and self.organization.critical_care)


class Identity(models.Model):
    """How a contact appears on one channel: an X user id, a Facebook user id, an email address."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    external_id = models.CharField(max_length=255, help_text="User id, or the lower-cased address.")
    handle = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    avatar_url = models.URLField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="identity_unique_per_kind")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.handle or self.external_id}"


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Ticket(models.Model):
    """One conversation with one customer on one channel account."""

    Status = TicketStatus

    class Priority(models.IntegerChoices):
        LOW = 0, "Low"
        NORMAL = 1, "Normal"
        HIGH = 2, "High"
        URGENT = 3, "Urgent"

    SlaState = SlaState

    # No single-column indexes where a composite one below leads with the column: each index is
    # written on every ingested row (ticket_thread_idx, ticket_contact_idx, ticket_assignee_idx).
    account = models.ForeignKey(
        ChannelAccount, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="tickets", db_index=False)
    thread_key = models.CharField(max_length=500)
    subject = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        db_index=False,
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    is_key_account = models.BooleanField(default=False)
    # A life-safety report: the detector's category (oss_inbox.safety.detector.CATEGORIES), or "".
    # Such a ticket is Urgent, gets the Safety SLA policy and sorts above every other open ticket.
    safety = models.CharField(max_length=32, blank=True)
    previous_ticket = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        help_text="The resolved ticket of the same conversation that this one follows.",
    )
    answers_ticket = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # rarely set and never searched by; every ingested ticket would write the index
        help_text="Another customer's ticket whose conversation this one began in (a reply to our answer).",
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    last_outbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Due times are stored (recomputed by services) so that the queue and the SLA scan are index
    # look-ups; sla_due_at is the earliest one still running.
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(max_length=16, choices=SlaState.choices, default=SlaState.OK)
    # Kept by oss_inbox.sla.services: when the current pending pause began and the pauses before
    # it (pending stops the resolution clock), when the earliest running target turns at risk,
    # the level the SLA scan escalated and for which due time, and when the scan must look next.
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_pauses = models.JSONField(default=list, blank=True)
    sla_at_risk_at = models.DateTimeField(null=True, blank=True)
    sla_escalated = models.CharField(max_length=16, blank=True)
    sla_escalated_for = models.DateTimeField(null=True, blank=True)
    sla_escalate_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("work_queue", "Can work the shared queue"),
            ("view_dashboards", "Can see SLA dashboards"),
            ("manage_settings", "Can edit schedules, policies, channel accounts and users"),
        ]
        constraints = [
            # At most one unresolved ticket per conversation: concurrent ingests cannot open two.
            models.UniqueConstraint(
                fields=["account", "thread_key"],
                condition=~Q(status="resolved"),
                name="ticket_one_unresolved_per_thread",
            )
        ]
        indexes = [
            models.Index(fields=["account", "thread_key", "-created_at"], name="ticket_thread_idx"),
            models.Index(
                fields=["sla_due_at", "id"], name="ticket_open_due_idx", condition=Q(status__in=OPEN_STATUSES)
            ),
            # The SLA scan's work list: only tickets with an escalation still to come.
            models.Index(
                fields=["sla_escalate_at"],
                name="ticket_sla_escalate_idx",
                condition=Q(sla_escalate_at__isnull=False),
            ),
            # The open safety tickets, pinned above every queue view: a handful, looked up first.
            models.Index(
                fields=["sla_due_at", "id"],
                name="ticket_open_safety_idx",
                condition=Q(status__in=OPEN_STATUSES) & ~Q(safety=""),
            ),
            # Every safety ticket by when it came (the dashboard's safety measures): a small index.
            models.Index(fields=["created_at"], name="ticket_safety_created_idx", condition=~Q(safety="")),
            models.Index(fields=["contact", "-created_at"], name="ticket_contact_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["-updated_at"], name="ticket_updated_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self):
        # Django's convention for an object's page; the one place below the inbox that names it.
        return reverse("inbox:ticket", args=[self.pk])

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class TicketSearch(models.Model):
    """The words of an open ticket's conversation, for searching the open views of the queue.

    PostgreSQL only, and kept by triggers, not by Python (migration 0007): one row per open ticket,
    rewritten when a message is added to it, deleted when it is resolved, so its GIN index holds
    the ~2% of tickets the open views show instead of every message ever written.
    """

    ticket = models.OneToOneField(Ticket, primary_key=True, on_delete=models.CASCADE, related_name="+")
    document = SearchVectorField()

    def __str__(self):
        return f"Search words of ticket #{self.ticket_id}"


class Delivery(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNKNOWN = "unknown", "Unknown"


class Outgoing(models.Model):
    """Something that leaves the building through the one outbox (tickets.services.outbox): a reply, an
    acknowledgement, a key-account letter. queued -> sending -> sent | failed | unknown."""

    Delivery = Delivery

    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    delivery_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    # When an unknown send was last looked up on its channel (reconciled), whatever was found.
    delivery_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Message(Outgoing):
    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"
        NOTE = "note", "Internal note"

    class Kind(models.TextChoices):
        MENTION = "mention", "X mention"
        DM = "dm", "X direct message"
        POST = "post", "Facebook post"
        COMMENT = "comment", "Facebook comment"
        MESSENGER = "messenger", "Messenger"
        IG_COMMENT = "ig_comment", "Instagram comment"
        IG_DM = "ig_dm", "Instagram direct message"
        EMAIL = "email", "Email"
        NOTE = "note", "Note"

    # Covered by message_ticket_idx and the (account, external_id) constraint.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    account = models.ForeignKey(
        ChannelAccount, on_delete=models.PROTECT, related_name="messages", db_index=False
    )
    # The channel's id (tweet id, comment id, Message-ID); null for notes and unsent replies.
    # Null, not "": the (account, external_id) constraint must ignore the many messages without one.
    external_id = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    in_reply_to = models.CharField(max_length=500, blank=True)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A public comment or reply hidden on its channel by us (channels/moderation/); the
    # "moderation" event on the ticket says who hid it and why. Null: visible.
    hidden_at = models.DateTimeField(null=True, blank=True)
    is_automatic = models.BooleanField(
        default=False,
        help_text="Inbound: an auto-reply or bounce. Outbound: our out-of-hours acknowledgement. Never SLA.",
    )
    author_identity = models.ForeignKey(
        Identity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="Sanitised HTML, safe to show.")
    url = models.URLField(max_length=1000, blank=True)
    context = models.JSONField(blank=True, default=dict, help_text="e.g. the post a comment is on.")
    raw = models.JSONField(blank=True, default=dict)
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivery_state = models.CharField(max_length=16, choices=Delivery.choices, blank=True)
    # The token of the composer (one per rendering of a ticket page) that wrote this reply or note:
    # unique, so the same composer posted twice stores one message (tickets.services.lifecycle).
    # Null, not "", for messages no composer wrote: the unique constraint is on non-null tokens.
    compose_token = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="message_unique_per_account"),
            models.UniqueConstraint(
                fields=["compose_token"],
                name="message_compose_token_once",
                condition=Q(compose_token__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "sent_at"], name="message_ticket_idx"),
            models.Index(
                fields=["delivery_state", "next_attempt_at"],
                name="message_outbox_idx",
                condition=Q(delivery_state__in=["queued", "sending", "unknown"]),
            ),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.external_id or self.pk}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="attachments/%Y/%m/", blank=True)
    url = models.URLField(
        max_length=2000, blank=True, help_text="Where the channel keeps it, if not stored here."
    )

    # Shown in the browser; every other type is downloaded (an HTML or SVG file could run as a page).
    # The last three: what some mail programs call JPEG and PNG (stored before parsing normalised them).
    IMAGE_TYPES = {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/jpg",
        "image/pjpeg",
        "image/x-png",
    }

    def __str__(self):
        return self.filename or self.url

    @property
    def is_image(self):
        return self.content_type.lower() in self.IMAGE_TYPES


class TicketEvent(models.Model):
    """The ticket's timeline and audit trail. Append-only."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        MESSAGE_IN = "message_in", "Customer wrote"
        REPLIED = "replied", "Replied"
        NOTE = "note", "Note added"
        CLAIMED = "claimed", "Claimed"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        PRIORITY = "priority", "Priority changed"
        TAGGED = "tagged", "Tags changed"
        REOPENED = "reopened", "Reopened"
        CONTACT_MERGED = "contact_merged", "Contact merged"
        SLA = "sla", "SLA"
        AUTO_ACK = "auto_ack", "Acknowledged automatically"
        DELIVERY = "delivery", "Delivery"
        KEY_ACCOUNT = "key_account", "Key account changed"
        SAFETY = "safety", "Safety report"
        CRITICAL_CARE = "critical_care", "Critical care"
        SURVEY = "survey", "Satisfaction survey"
        MODERATION = "moderation", "Moderation"

    # No index of its own: event_ticket_idx (ticket, created_at) covers it.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(blank=True, default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} on #{self.ticket_id}"


class UnprocessedItem(models.Model):
    """An inbound item that did not become a message, kept with its reason so nothing is lost."""

    class Reason(models.TextChoices):
        ERROR = "error", "Could not be parsed or stored"
        AUTOMATIC_UNTHREADED = "automatic", "Auto-reply or bounce matching no ticket"
        OWN_POST = "own_post", "Our own post, not part of a conversation"

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="unprocessed_items")
    # Null when the item could not even be read for its id: the (account, external_id) constraint
    # keeps one row per id and any number of those.
    external_id = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    reason = models.CharField(max_length=16, choices=Reason.choices)
    error = models.TextField(blank=True)
    raw = models.JSONField(blank=True, default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="unprocessed_unique_per_account")
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.external_id}"
