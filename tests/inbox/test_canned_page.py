"""The canned responses page (admins): add, edit and delete, with a live preview for a sample ticket,
plain-word errors for placeholders the composer does not fill, and X's 280 characters warned."""

import pytest
from django.test import Client
from django.urls import reverse

from oss_inbox.inbox.models import CannedResponse

pytestmark = pytest.mark.django_db

CANNED = "/settings/canned/"
OUTAGE = "Hi {{customer.first_name}}, crews are on it. — {{ agent.first_name }} (ref #{{ticket.id}})"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_manage_canned_responses(client, request, who):
    canned = CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    client.force_login(request.getfixturevalue(who))
    assert client.get(CANNED).status_code == 403
    assert client.post(f"{CANNED}new/", {"name": "Mine", "text": "Hello"}).status_code == 403
    assert client.post(f"{CANNED}{canned.pk}/", {"name": "Renamed", "text": "Hello"}).status_code == 403
    assert client.post(f"{CANNED}{canned.pk}/delete/").status_code == 403
    assert client.post(f"{CANNED}preview/", {"text": OUTAGE}).status_code == 403
    assert list(CannedResponse.objects.values_list("name", flat=True)) == ["Outage ETA"]


def test_an_admin_adds_edits_and_deletes_one_and_the_composer_follows_at_once(admin_client, agent, x_ticket):
    agents_view = Client()
    agents_view.force_login(agent)
    ticket_page = reverse("inbox:ticket", args=[x_ticket.pk])
    assert "Outage ETA" not in agents_view.get(ticket_page).content.decode()  # the menu is now cached

    response = admin_client.post(f"{CANNED}new/", {"name": "Outage ETA", "channel_kind": "", "text": OUTAGE})
    assert response.status_code == 302
    canned = CannedResponse.objects.get()
    assert (canned.name, canned.channel_kind, canned.text) == ("Outage ETA", "", OUTAGE)
    assert '<option value="Outage ETA">' in agents_view.get(ticket_page).content.decode()
    assert "Outage ETA" in admin_client.get(CANNED).content.decode()

    admin_client.post(
        f"{CANNED}{canned.pk}/", {"name": "Outage update", "channel_kind": "email", "text": OUTAGE}
    )
    canned.refresh_from_db()
    assert (canned.name, canned.channel_kind) == ("Outage update", "email")
    page = agents_view.get(ticket_page).content.decode()
    assert "Outage ETA" not in page and "Outage update" not in page  # email only, and this is X

    assert (
        "Agents will no longer be offered it"
        in admin_client.get(f"{CANNED}{canned.pk}/delete/").content.decode()
    )
    assert CannedResponse.objects.exists()  # asking first deletes nothing
    admin_client.post(f"{CANNED}{canned.pk}/delete/")
    assert not CannedResponse.objects.exists()


def test_an_unknown_placeholder_is_refused_in_plain_words(admin_client):
    response = admin_client.post(
        f"{CANNED}new/", {"name": "Typo", "text": "Hi {{customer.name}}, ref {ticket.id}"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "{{customer.name}} is not a placeholder the composer fills" in page
    assert "{{customer.first_name}}, {{agent.first_name}}, {{ticket.id}}" in page
    assert "{ticket.id} needs two braces on each side: {{ticket.id}}" in page
    assert not CannedResponse.objects.exists()


def test_a_channel_no_one_offers_is_refused_beside_the_field_not_with_a_server_error(admin_client):
    response = admin_client.post(f"{CANNED}new/", {"name": "Odd", "text": OUTAGE, "channel_kind": "fax"})
    assert response.status_code == 400 and "Choose a channel from the list" in response.content.decode()
    preview = admin_client.post(f"{CANNED}preview/", {"text": OUTAGE, "channel_kind": "fax"})
    assert preview.status_code == 200 and "Hi Maria, crews are on it." in preview.content.decode()
    assert not CannedResponse.objects.exists()


def test_a_name_already_used_is_refused_in_plain_words(admin_client):
    CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    response = admin_client.post(f"{CANNED}new/", {"name": "Outage ETA", "text": "Hello"})
    assert "Another canned response has this name" in response.content.decode()
    assert CannedResponse.objects.count() == 1


def test_the_preview_fills_the_placeholders_for_a_sample_ticket(admin_client):
    response = admin_client.post(
        f"{CANNED}preview/", {"text": OUTAGE, "channel_kind": ""}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html  # the partial only
    assert "Hi Maria, crews are on it. — Ada (ref #4812)" in html


def test_the_preview_warns_past_xs_280_characters_and_names_unknown_placeholders(admin_client):
    long_text = "Hi {{customer.first_name}}, " + "crews are working on the feeder. " * 9
    warned = admin_client.post(
        f"{CANNED}preview/", {"text": long_text, "channel_kind": "twitter"}
    ).content.decode()
    assert "X allows 280 characters; filled for a sample ticket, this one is" in warned
    on_every_channel = admin_client.post(f"{CANNED}preview/", {"text": long_text, "channel_kind": ""})
    assert "X allows 280 characters" in on_every_channel.content.decode()
    by_email = admin_client.post(f"{CANNED}preview/", {"text": long_text, "channel_kind": "email"})
    assert "allows" not in by_email.content.decode()
    unknown = admin_client.post(f"{CANNED}preview/", {"text": "Hi {{customer.last_name}}"}).content.decode()
    assert "{{customer.last_name}} is not a placeholder the composer fills" in unknown


def test_the_edit_page_shows_the_preview_at_once(admin_client):
    canned = CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    page = admin_client.get(f"{CANNED}{canned.pk}/").content.decode()
    assert "Hi Maria, crews are on it. — Ada (ref #4812)" in page
    assert f'hx-post="{reverse("inbox:canned_preview")}"' in page
