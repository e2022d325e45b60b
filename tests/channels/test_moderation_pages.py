"""The moderation rules' pages: admins list, add, edit, switch rules on and off and try one on a sample
comment; nobody else may."""

import pytest
from django.urls import reverse

from channels.models import ModerationRule

NEW_RULE = {
    "name": "Meter numbers",
    "finds": "words",
    "words": "meter number\nmeter no",
    "kinds": ["facebook", "instagram"],
    "enabled": "on",
    "private_reply": "We hid your comment to keep your meter number private; let's carry on here.",
}


def test_the_defaults_are_listed_with_their_state(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse("channels:moderation")).content.decode()
    for name in ("Account numbers", "Phone numbers", "Street addresses", "Profanity"):
        assert name in page
    on = set(ModerationRule.objects.filter(enabled=True).values_list("name", flat=True))
    assert on == {"Account numbers", "Phone numbers"}


def test_an_admin_adds_a_rule_for_some_channels(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("channels:moderation_new"), NEW_RULE, follow=True)
    rule = ModerationRule.objects.get(name="Meter numbers")
    assert (rule.finds, rule.kinds, rule.enabled) == ("words", ["facebook", "instagram"], True)
    assert "Saved the rule “Meter numbers”; it is on" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"words": ""}, "words", "List at least one word or phrase"),
        ({"kinds": ["instagram"], "private_reply": "x" * 1001}, "private_reply", "allows 1,000 characters"),
        ({"private_reply": ""}, "private_reply", "This field is required"),
    ],
)
def test_a_rule_that_could_not_work_is_refused_next_to_its_field(client, admin_user, change, field, words):
    client.force_login(admin_user)
    response = client.post(reverse("channels:moderation_new"), {**NEW_RULE, **change})
    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors[field])
    assert not ModerationRule.objects.filter(name="Meter numbers").exists()


def test_an_admin_edits_and_switches_a_rule(client, admin_user):
    client.force_login(admin_user)
    rule = ModerationRule.objects.get(name="Street addresses")
    edited = {"name": rule.name, "finds": "address", "private_reply": "Hidden: it showed your address."}
    client.post(reverse("channels:moderation_edit", args=[rule.pk]), edited)
    rule.refresh_from_db()
    assert (rule.private_reply, rule.enabled) == ("Hidden: it showed your address.", False)

    client.post(reverse("channels:moderation_toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.enabled


def test_trying_a_rule_shows_what_it_would_find(client, admin_user):
    client.force_login(admin_user)
    url = reverse("channels:moderation_try")
    found = client.post(url, {"finds": "phone", "sample": "call me on (217) 555-0142"}).content.decode()
    assert "Found a US phone number: “(217) 555-0142”" in found
    nothing = client.post(url, {"finds": "phone", "sample": "outage since 2026-12-07"}).content.decode()
    assert "Nothing found" in nothing


@pytest.mark.parametrize("who", ["agent", "supervisor"])
def test_only_admins_see_or_change_rules(client, request, who):
    client.force_login(request.getfixturevalue(who))
    rule = ModerationRule.objects.first()
    assert client.get(reverse("channels:moderation")).status_code == 403
    assert client.post(reverse("channels:moderation_toggle", args=[rule.pk])).status_code == 403
    assert client.post(reverse("channels:moderation_new"), NEW_RULE).status_code == 403
    assert ModerationRule.objects.get(pk=rule.pk).enabled == rule.enabled
