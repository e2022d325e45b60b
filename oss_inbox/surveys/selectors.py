"""Reads of satisfaction surveys for the pages: the ticket's result, figures over a set of surveys."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import Survey
from .ratings import SATISFIED, percent


@dataclass(frozen=True)
class Satisfaction:
    """CSAT over some surveys: `satisfied` of `answered` rated 4 or 5; `answered` of `sent`."""

    sent: int
    answered: int
    satisfied: int

    @property
    def csat(self) -> int | None:
        return percent(self.satisfied, self.answered)

    @property
    def response_rate(self) -> int | None:
        return percent(self.answered, self.sent)


COUNTS = {
    "sent": Count("pk"),
    "answered": Count("pk", filter=Q(rating__isnull=False)),
    "satisfied": Count("pk", filter=Q(rating__in=SATISFIED)),
}


def sent_surveys() -> QuerySet:
    return Survey.objects.filter(sent_at__isnull=False)


def satisfaction_of(surveys: QuerySet) -> Satisfaction:
    return Satisfaction(**surveys.aggregate(**COUNTS))


def organization_satisfaction(organization, start, end) -> Satisfaction:
    """The surveys of an organization's tickets sent in [start, end) (a key account's quarter)."""
    return satisfaction_of(
        sent_surveys().filter(ticket__contact__organization=organization, sent_at__gte=start, sent_at__lt=end)
    )


def ticket_survey(ticket) -> Survey | None:
    return Survey.objects.filter(ticket_id=ticket.pk).first()
