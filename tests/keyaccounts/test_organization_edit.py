"""Editing an organization: who may, what is checked, and what saving does to contacts and tickets."""

import pytest
from django.urls import reverse

from oss_inbox.keyaccounts.models import AccountEvent, KnownIdentity
from oss_inbox.tickets.models import Contact, Organization, OrganizationDomain, Ticket

from .pages_world import email_ticket, make_hospital

pytestmark = pytest.mark.django_db


@pytest.fixture
def hospital(other_agent):
    return make_hospital(other_agent)  # managed by Lee


def form_data(organization, **changes):
    data = {
        "name": organization.name,
        "is_key_account": "on" if organization.is_key_account else "",
        "tier": organization.tier,
        "account_manager": organization.account_manager_id or "",
        "backup_manager": organization.backup_manager_id or "",
        "service_addresses": "",
        "notes": "",
        "domains": "\n".join(organization.domains.values_list("domain", flat=True)),
        "identities": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def edit(client, user, organization, **changes):
    client.force_login(user)
    return client.post(
        reverse("keyaccounts:organization_edit", args=[organization.pk]), form_data(organization, **changes)
    )


def test_an_agent_may_not_edit_an_account_someone_else_manages(client, agent, hospital):
    client.force_login(agent)
    assert client.get(reverse("keyaccounts:organization_edit", args=[hospital.pk])).status_code == 403
    assert edit(client, agent, hospital, notes="Mine now").status_code == 403
    assert Organization.objects.get(pk=hospital.pk).notes == ""


def test_the_account_manager_edits_their_own_account(client, other_agent, hospital):
    response = edit(client, other_agent, hospital, notes="Backup generators tested monthly.")
    assert response.status_code == 302
    assert Organization.objects.get(pk=hospital.pk).notes == "Backup generators tested monthly."


def test_the_backup_edits_it_too(client, agent, other_agent):
    hospital = make_hospital(other_agent, backup=agent)
    assert edit(client, agent, hospital, tier="major").status_code == 302


def test_an_admin_edits_any_account_and_creates_organizations(client, admin_user, hospital, agent):
    assert edit(client, admin_user, hospital, account_manager=agent.pk, backup_manager="").status_code == 302
    assert Organization.objects.get(pk=hospital.pk).account_manager == agent
    event = AccountEvent.objects.get(organization=hospital, kind="account")
    assert "account manager: Lee → Dana" in event.summary and event.actor == admin_user
    response = client.post(
        reverse("keyaccounts:organization_new"),
        {
            "name": "Northgate Data Centre",
            "is_key_account": "on",
            "tier": "strategic",
            "account_manager": agent.pk,
            "domains": "northgate-dc.example\nNOC.Northgate-DC.example",
            "identities": "x: @NorthgateNOC\nfacilities@northgate.example",
        },
    )
    created = Organization.objects.get(name="Northgate Data Centre")
    assert response.status_code == 302 and response["Location"].endswith(f"/accounts/{created.pk}/")
    assert set(created.domains.values_list("domain", flat=True)) == {
        "northgate-dc.example",
        "noc.northgate-dc.example",
    }
    assert set(created.known_identities.values_list("kind", "value")) == {
        ("twitter", "northgatenoc"),
        ("email", "facilities@northgate.example"),
    }


def test_only_admins_create_organizations(client, agent):
    client.force_login(agent)
    assert client.get(reverse("keyaccounts:organization_new")).status_code == 403


def test_a_domain_of_another_organization_or_a_malformed_one_is_refused_in_words(
    client, other_agent, hospital
):
    university = Organization.objects.create(name="Prairie State University")
    OrganizationDomain.objects.create(organization=university, domain="prairiestate.example")
    response = edit(
        client,
        other_agent,
        hospital,
        domains="stbrigid.example\nprairiestate.example\nnot a domain\nhttp://x",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "prairiestate.example already belongs to Prairie State University." in body
    assert "“not a domain” is not a domain" in body and "“http://x” is not a domain" in body
    assert list(hospital.domains.values_list("domain", flat=True)) == ["stbrigid.example"]


def test_identities_are_checked_line_by_line(client, other_agent, hospital):
    other = Organization.objects.create(name="Cedar Mill Packaging")
    KnownIdentity.objects.create(organization=other, kind="twitter", value="cedarmillops")
    response = edit(
        client, other_agent, hospital, identities="x: @CedarMillOps\nwho knows\nfacebook: not an id!"
    )
    body = response.content.decode()
    assert "x: @cedarmillops already belongs to Cedar Mill Packaging." in body
    assert "“who knows” is neither an email address" in body
    assert "write an @handle or a numeric id" in body


def test_a_key_account_needs_a_manager_and_a_different_backup(client, admin_user, hospital):
    body = edit(client, admin_user, hospital, account_manager="").content.decode()
    assert "A key account needs an account manager" in body
    body = edit(client, admin_user, hospital, backup_manager=hospital.account_manager_id).content.decode()
    assert "The backup must be someone other than the account manager." in body


def test_saving_a_new_domain_attaches_known_contacts_and_flags_their_open_tickets(
    client, other_agent, hospital, mailbox
):
    ticket = email_ticket(mailbox, "ops@stbrigid-annex.example")
    assert not ticket.is_key_account and ticket.contact.organization is None
    response = edit(client, other_agent, hospital, domains="stbrigid.example\nstbrigid-annex.example")
    assert response.status_code == 302
    assert Contact.objects.get(pk=ticket.contact_id).organization == hospital
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.is_key_account and ticket.assignee == other_agent
    event = AccountEvent.objects.get(organization=hospital, kind="account")
    assert event.summary == "added domain stbrigid-annex.example"
