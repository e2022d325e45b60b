"""SLA test world: a key-account hospital writing by email, and times in the team's zone."""

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from oss_inbox.tickets.models import Organization, OrganizationDomain, Ticket
from oss_inbox.tickets.services import ingest

from ..factories import email

CHICAGO = ZoneInfo("America/Chicago")


def local(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def arriving(account, when, **fields):
    """Ingest one customer message sent at `when` (aware) and return its ticket."""
    item = replace(email(**fields), sent_at=when)
    ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


@pytest.fixture
def hospital(db):
    """Mail from @mercy.example belongs to a key account."""
    organization = Organization.objects.create(name="Mercy Hospital", is_key_account=True)
    OrganizationDomain.objects.create(organization=organization, domain="mercy.example")
    return organization


def hours(count):
    return timedelta(hours=count)
