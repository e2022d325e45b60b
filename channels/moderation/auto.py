"""Auto-hide: the admins' moderation rules applied to each new public comment, once ingest committed it.

For each new customer comment (Facebook comment or visitor post, Instagram comment, X reply), the
first enabled rule that watches its channel and finds something in it (detect.py) hides it on the
platform; the ticket records the rule and why, and the customer gets the rule's private reply
(tickets.services.message_hidden_by_rule). A platform that refuses for good (X: not a reply to our
post; a missing permission) is recorded instead, for the agents to decide; one that fails for now
(a rate limit, an outage) is tried again by the task. A comment moderated before, by an agent or a
rule, is never looked at again: an agent's "Show" stands.

The task is asked for after each ingest; the broker is not the record, so beat's sweep (every
minute) checks the comments of the last ten minutes again, in case a task was lost. Checking twice
is harmless: a comment is hidden, and answered, once.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import Max
from django.utils import timezone

from oss_inbox.tickets.models import Message
from oss_inbox.tickets.services import message_hidden_by_rule, message_moderation_failed

from ..base import ChannelError
from ..models import ModerationRule
from ..registry import adapter_for
from .actions import HIDEABLE_KINDS, hide_problem, platform_name
from .detect import find, words_of

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=1)
# The sweep looks this far back, among at most this many of the newest messages (read by id range).
SWEEP_BACK, SWEEP_ROWS = timedelta(minutes=10), 5000


def public_comment_ids(messages: list) -> list[int]:
    """The ids of the customers' public comments among newly stored messages (no query)."""
    return [message.pk for message in messages if message.kind in HIDEABLE_KINDS and not message.is_automatic]


def messages_moderate(message_ids: list[int], *, final: bool = False) -> datetime | None:
    """Apply the enabled rules to these messages; returns when to try again the ones a platform
    could not hide for now (None: nothing left). On the `final` try, such a failure is recorded."""
    rules = list(ModerationRule.objects.filter(enabled=True))
    if not rules:
        return None
    pending = Message.objects.filter(
        pk__in=message_ids, direction=Message.Direction.INBOUND, hidden_at__isnull=True
    ).select_related("account", "ticket")
    retry_at = None
    for message in pending:
        if (message.context or {}).get("moderation"):
            continue
        try:
            message_moderate(message, rules, final=final)
        except ChannelError as error:  # not for good: the task tries again
            when = error.retry_at or timezone.now() + RETRY_AFTER
            retry_at = min(retry_at, when) if retry_at else when
    return retry_at


def recent_comment_ids(now: datetime | None = None) -> list[int]:
    """Public comments stored in the last ten minutes and not hidden yet, for the sweep: an id range
    from the newest message down (the primary key's index), never a scan of the history."""
    if not ModerationRule.objects.filter(enabled=True).exists():
        return []
    newest = Message.objects.aggregate(newest=Max("pk"))["newest"] or 0
    recent = Message.objects.filter(
        pk__gt=newest - SWEEP_ROWS,
        created_at__gte=(now or timezone.now()) - SWEEP_BACK,
        direction=Message.Direction.INBOUND,
        kind__in=HIDEABLE_KINDS,
        hidden_at__isnull=True,
        is_automatic=False,
    )
    return list(recent.values_list("pk", flat=True))


def rule_matching(message: Message, rules: list[ModerationRule]):
    """(rule, finding) of the first rule that watches the message's channel and finds something in it."""
    for rule in rules:
        if rule.kinds and message.account.kind not in rule.kinds:
            continue
        finding = find(message.text, rule.finds, words_of(rule.words))
        if finding is not None:
            return rule, finding
    return None


def message_moderate(message: Message, rules: list[ModerationRule], *, final: bool = False) -> None:
    """Hide the message if a rule finds something in it, and record what happened. Raises the
    platform's ChannelError when it failed for now (unless `final`)."""
    matched = rule_matching(message, rules)
    if matched is None:
        return
    rule, finding = matched
    facts = {"message": message, "rule": rule.name, "on": platform_name(message), "why": finding.why}
    problem = hide_problem(message)
    if problem:
        message_moderation_failed(**facts, reason=problem)
        return
    try:
        adapter_for(message.account).hide(message, True)
    except ChannelError as error:
        if not (error.permanent or final):
            raise
        message_moderation_failed(**facts, reason=str(error))
        log.info("Rule %r matched message %s (%s); not hidden: %s", rule.name, message.pk, rule.finds, error)
        return
    message_hidden_by_rule(**facts, private_reply=rule.private_reply)
    # Never the text or what matched: it may be someone's account or phone number.
    log.info("Rule %r hid message %s (%s)", rule.name, message.pk, rule.finds)
