"""What admins set for life-safety reports: the phrase list (audited), the immediate advice sent to
the customer, and who is on call outside coverage hours.

The detector itself is pure (detector.py); `lists.py` builds it from these rows.
"""

from django.conf import settings
from django.db import models

from .detector import CATEGORIES, LANGUAGES, LOOKALIKE, OUTAGE, OUTAGE_LOOKALIKE

CATEGORY_CHOICES = [
    *CATEGORIES.items(),
    (OUTAGE, "power outage (critical-care customers only)"),
    (LOOKALIKE, "look-alike (never a report)"),
    (OUTAGE_LOOKALIKE, "look-alike of an outage (critical-care only)"),
]
LANGUAGE_CHOICES = [(code, {"en": "English", "es": "Spanish"}[code]) for code in LANGUAGES]


class SafetyPhrase(models.Model):
    """One phrase of the list. Every write goes through `lists.phrase_save` / `phrase_delete`, which
    checks the pattern compiles and records a `PhraseChange`."""

    category = models.CharField(max_length=32, choices=CATEGORY_CHOICES)
    pattern = models.CharField(max_length=200)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES, default="en")
    position = models.PositiveIntegerField(default=0, help_text="Of two equal matches the earlier wins.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "language", "pattern"], name="safety_phrase_once")
        ]

    def __str__(self):
        return f"{self.category} ({self.language}): {self.pattern}"


class PhraseChange(models.Model):
    """The audit trail of the phrase list: who added, changed or removed which phrase, when."""

    class Action(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        REMOVED = "removed", "Removed"

    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.after or self.before}"


class SafetyReply(models.Model):
    """The advice a customer gets at once, per channel (a tickets.Message.Kind value), language and
    topic: electric hazards, gas and carbon monoxide, medical dependence."""

    class Topic(models.TextChoices):
        ELECTRIC = "electric", "Downed lines, sparks, fire, explosions, flooding"
        GAS = "gas", "Gas and carbon monoxide"
        MEDICAL = "medical", "Medical dependence on power"

    kind = models.CharField(max_length=16)
    language = models.CharField(max_length=2, choices=LANGUAGE_CHOICES)
    topic = models.CharField(max_length=16, choices=Topic.choices)
    enabled = models.BooleanField(default=True)
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "topic", "language"]
        verbose_name_plural = "safety replies"
        constraints = [
            models.UniqueConstraint(fields=["kind", "language", "topic"], name="one_safety_reply_text")
        ]

    def __str__(self):
        return f"{self.kind} {self.topic} ({self.language})"


class SafetyReplySent(models.Model):
    """The safety advice of one conversation (a ticket) on one kind of hazard: unique, so a second
    report in the same conversation, a replayed poll or two workers racing send it once - the
    database decides, not a read. Keyed by ticket, not by thread: a DM or Messenger thread lasts
    for years, and a gas smell reported a month after a downed line deserves its own advice."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=16, choices=SafetyReply.Topic.choices)
    message = models.ForeignKey("tickets.Message", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "topic"], name="one_safety_reply_per_ticket_topic")
        ]

    def __str__(self):
        return f"Safety advice ({self.topic}) on ticket #{self.ticket_id}"


class OnCall(models.Model):
    """A person who is called outside coverage hours for safety tickets: always, or during the
    hours of a schedule (a coverage schedule used as an on-call rota)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="on_call")
    enabled = models.BooleanField(default=True, help_text="On the on-call list.")
    schedule = models.ForeignKey(
        "sla.CoverageSchedule",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="On call during this schedule's hours; empty for at all hours.",
    )
    sms_email = models.EmailField(
        blank=True, help_text="An email-to-SMS address (e.g. 3125550123@vtext.com) for a text message."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "on-call setting"

    def __str__(self):
        return f"{self.user} on call"


class CriticalCareEntry(models.Model):
    """One line of the critical-care register: an email address, phone number, X handle or Facebook id
    of someone who depends on power (life support, oxygen, dialysis; a hospital's contact). A customer
    whose identity matches an entry is flagged (`Contact.critical_care`) when the entry is imported, or
    when they first write. Written only through `tickets.services.critical_care`, which normalises the
    value (oss_inbox/safety/register.py)."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone"
        X = "x", "X handle"
        FACEBOOK = "facebook", "Facebook"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=255, help_text="Normalised: lower-cased, phone numbers as digits.")
    written = models.CharField(max_length=255, blank=True, help_text="As the file or the person wrote it.")
    name = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = "critical-care register entry"
        verbose_name_plural = "critical-care register"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="critical_care_entry_once")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.written or self.value}"
