"""A small key-account world for the mail tests: two accounts, their contacts, a mailbox on an SMTP sink."""

import pytest

from channels.sandbox.mail import SmtpSink
from oss_inbox.tickets.models import Contact, Identity, Organization, OrganizationDomain

from .. import factories

MAILBOX = "keyaccounts@utility.example"


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def sending_mailbox(db, smtp_sink):
    return factories.account(
        "email", name="Key accounts mailbox",
        settings={**smtp_sink.settings(), "timeout_seconds": "5", "from_name": "Utility Key Accounts"},
    )  # fmt: skip


def key_account(name, domain, manager=None, backup=None, **fields):
    organization = Organization.objects.create(
        name=name,
        is_key_account=True,
        tier="strategic",
        account_manager=manager,
        backup_manager=backup,
        **fields,
    )
    OrganizationDomain.objects.create(organization=organization, domain=domain)
    return organization


def contact(organization, name, *addresses, handle=None):
    person = Contact.objects.create(name=name, organization=organization)
    for address in addresses:
        Identity.objects.create(
            contact=person, kind="email", external_id=address.lower(), handle=address, display_name=name
        )
    if handle:
        Identity.objects.create(contact=person, kind="twitter", external_id=f"x-{handle}", handle=handle)
    return person


@pytest.fixture
def hospital(agent, other_agent):
    hospital = key_account("St. Mary's Hospital", "stmarys.example", manager=agent, backup=other_agent)
    contact(hospital, "Jo Engineer", "jo@stmarys.example")
    contact(hospital, "Pat Facilities", "pat@stmarys.example")
    contact(hospital, "Social only", handle="stmarysfm")  # no email: never mailed
    return hospital


@pytest.fixture
def plant(other_agent):
    plant = key_account("Northside Water Plant", "northside.example", manager=other_agent)
    contact(plant, "Ray Operator", "ray@northside.example")
    return plant
