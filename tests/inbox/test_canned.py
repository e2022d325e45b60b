"""Canned responses: offered by channel, searchable by name, placeholders filled on the server."""

import pytest
from django.contrib import admin
from django.urls import reverse

from oss_inbox.inbox.canned import canned_fill
from oss_inbox.inbox.models import CannedResponse

pytestmark = pytest.mark.django_db

OUTAGE = (
    "Hi {{customer.first_name}}, crews are on it. — {{ agent.first_name }} (ref #{{ticket.id}}) {{unknown}}"
)


def test_placeholders_are_filled(agent, x_ticket):
    text = canned_fill(OUTAGE, ticket=x_ticket, agent=agent)
    assert text == f"Hi Kim, crews are on it. — Dana (ref #{x_ticket.pk}) {{{{unknown}}}}"


def test_composer_offers_canned_responses_of_this_channel(client, agent, x_ticket):
    CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    CannedResponse.objects.create(name="X only", text="short", channel_kind="twitter")
    CannedResponse.objects.create(name="Email signature", text="Regards", channel_kind="email")
    client.force_login(agent)
    html = client.get(reverse("inbox:ticket", args=[x_ticket.pk])).content.decode()
    assert '<option value="Outage ETA">' in html and '<option value="X only">' in html
    assert "Email signature" not in html


def test_fill_endpoint_and_plain_fallback(client, agent, x_ticket):
    CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    client.force_login(agent)
    filled = client.get(reverse("inbox:canned", args=[x_ticket.pk]), {"canned": "Outage ETA"})
    assert filled["Content-Type"].startswith("text/plain") and filled.content.decode().startswith(
        "Hi Kim, crews"
    )
    page = client.get(reverse("inbox:ticket", args=[x_ticket.pk]), {"canned": "Outage ETA"}).content.decode()
    assert "Hi Kim, crews are on it. — Dana" in page
    assert client.get(reverse("inbox:canned", args=[x_ticket.pk]), {"canned": "Nope"}).status_code == 404


def test_email_only_response_is_not_filled_on_x(client, agent, x_ticket):
    CannedResponse.objects.create(name="Email signature", text="Regards", channel_kind="email")
    client.force_login(agent)
    assert (
        client.get(reverse("inbox:canned", args=[x_ticket.pk]), {"canned": "Email signature"}).status_code
        == 404
    )


def test_outsider_gets_403(client, outsider, x_ticket):
    CannedResponse.objects.create(name="Outage ETA", text=OUTAGE)
    client.force_login(outsider)
    assert (
        client.get(reverse("inbox:canned", args=[x_ticket.pk]), {"canned": "Outage ETA"}).status_code == 403
    )


def test_editable_in_django_admin(client, admin_user):
    assert admin.site.is_registered(CannedResponse)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:inbox_cannedresponse_add"), {"name": "Thanks", "text": "Thanks!", "channel_kind": ""}
    )
    assert response.status_code == 302 and CannedResponse.objects.filter(name="Thanks").exists()
