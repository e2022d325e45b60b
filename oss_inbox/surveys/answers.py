"""Recording a customer's rating: from the survey page (a confirmed POST) or a Messenger quick reply.

The latest answer wins while the survey is open (SURVEY_RERATE_DAYS after it was sent); each is on
the ticket's timeline. Neither reopens the ticket.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oss_inbox.tickets.models import Ticket
from oss_inbox.tickets.services import ticket_survey_rated

from . import ratings
from .models import Survey

COMMENT_LENGTH = 2000


class SurveyClosed(Exception):
    """The survey no longer takes answers (sent more than SURVEY_RERATE_DAYS ago)."""


def survey_by_token(token: str) -> Survey | None:
    """A survey that was sent, by its link's token; None for anything else."""
    return Survey.objects.select_related("ticket").filter(token=token, sent_at__isnull=False).first()


def closes_at(survey: Survey) -> datetime:
    return survey.sent_at + timedelta(days=settings.SURVEY_RERATE_DAYS)


def is_open(survey: Survey, now: datetime | None = None) -> bool:
    return survey.sent_at is not None and (now or timezone.now()) < closes_at(survey)


@transaction.atomic
def survey_rate(
    *,
    survey: Survey,
    rating: int,
    comment: str | None = None,
    via: str = Survey.Via.PAGE,
    now: datetime | None = None,
    on_timeline: bool = True,
) -> dict:
    """Record the rating (and the comment, when one is given: None keeps the one there); returns
    what the timeline says. SurveyClosed after the survey's time; ValueError for a rating off the scale."""
    if not ratings.is_rating(rating):
        raise ValueError(f"A rating is a whole number from 1 to 5, not {rating!r}.")
    now = now or timezone.now()
    # The ticket's row first, then the survey's: ingest recording a Messenger tap holds the ticket
    # when it comes here, so a page's answer at that moment waits for it instead of deadlocking.
    list(Ticket.objects.select_for_update().filter(pk=survey.ticket_id).values_list("pk"))
    survey = Survey.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=survey.pk)
    if not is_open(survey, now):
        raise SurveyClosed(
            f"The survey of ticket #{survey.ticket_id} closed on {closes_at(survey):%Y-%m-%d}."
        )
    survey.rating, survey.rated_at, survey.rated_via = rating, now, via
    if comment is not None:
        survey.comment = comment.strip()[:COMMENT_LENGTH]
    survey.save(update_fields=["rating", "rated_at", "rated_via", "comment"])
    data = {"rating": rating, "words": ratings.words(rating), "comment": survey.comment, "via": via}
    if on_timeline:
        ticket_survey_rated(ticket=survey.ticket, data=data)
    return data


def survey_answer_from_messenger(ticket, item) -> dict | None:
    """Ingest's question (tickets.services.hooks): is this Messenger message on a resolved ticket a
    tap on our survey's quick replies? Then the rating is recorded (ingest puts the message and the
    timeline entry on the ticket, without reopening it) and its data returned; else None.

    A webhook brings the button's payload (`context["quick_reply"]`: the survey's token and the
    rating); a poll reads only the message, which is the button's title: it counts when it is
    exactly one of our titles, on a ticket whose Messenger survey was sent and is still open."""
    if item.kind != "messenger":
        return None
    survey = Survey.objects.filter(ticket_id=ticket.pk, channel=Survey.Channel.MESSENGER).first()
    if survey is None or not is_open(survey):
        return None
    tapped = ratings.from_payload(item.context.get("quick_reply"))
    if tapped is not None:
        token, rating = tapped
        if token != survey.token:
            return None
    else:
        rating = ratings.from_title(item.text)
        if rating is None:
            return None
    return survey_rate(
        survey=survey, rating=rating, via=Survey.Via.QUICK_REPLY, now=min(item.sent_at, timezone.now()),
        on_timeline=False,
    )  # fmt: skip
