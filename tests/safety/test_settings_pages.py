"""The safety settings pages: the phrase list, its test box and audit, the safety replies, on call."""

import pytest
import time_machine
from django.urls import reverse

from oss_inbox.safety.lists import detectors
from oss_inbox.safety.models import OnCall, PhraseChange, SafetyPhrase, SafetyReply
from oss_inbox.sla.models import CoverageSchedule

from ..sla.conftest import local

pytestmark = pytest.mark.django_db

DOWNED = "power line down on Elm"
WEEKNIGHT = local(2026, 11, 4, 23, 30)  # a Wednesday: coverage closed since 22:00


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def add_phrase(client, pattern, category="gas", language="en"):
    return client.post(
        reverse("safety:phrases"), {"category": category, "language": language, "pattern": pattern}
    )


def test_the_list_is_grouped_by_category_in_words_and_language(client, admin_user):
    client.force_login(admin_user)
    html = page(client.get(reverse("safety:phrases")))
    assert html.index("Downed line") < html.index("Power outage (critical-care customers only)")
    assert html.index("Power outage (critical-care customers only)") < html.index(
        "Look-alike (never a report)"
    )
    assert "English" in html and "Spanish" in html and "chisp*" in html
    assert "How a phrase reads" in html and 'href="/settings/safety/"' in html  # the nav link


def test_admin_adds_a_phrase_and_detection_follows_with_the_actor_recorded(client, admin_user):
    client.force_login(admin_user)
    assert detectors().detect("the pipe is whistling out back") is None
    response = add_phrase(client, "pipe  whistling")
    assert response.status_code == 302
    phrase = SafetyPhrase.objects.get(pattern="pipe whistling")
    assert (phrase.category, phrase.language) == ("gas", "en")
    assert detectors().detect("the pipe is whistling out back").category == "gas"
    change = PhraseChange.objects.get()
    assert change.action == "added" and change.actor == admin_user
    assert change.after == {"category": "gas", "pattern": "pipe whistling", "language": "en"}
    html = page(client.get(reverse("safety:phrases")))
    assert "Added “pipe whistling” to gas smell or leak." in html
    assert "“pipe whistling” (gas smell or leak, English)" in html and "by Ada" in html


def test_admin_changes_a_phrase_and_the_old_words_no_longer_fire(client, admin_user):
    client.force_login(admin_user)
    phrase = SafetyPhrase.objects.get(category="medical", pattern="nebulizer")
    assert detectors().detect("my nebulizer needs power").category == "medical"
    data = {"category": "medical", "language": "en", "pattern": "home nebuliser"}
    assert client.post(reverse("safety:phrase", args=[phrase.pk]), data).status_code == 302
    assert detectors().detect("my nebulizer needs power") is None
    assert detectors().detect("my home nebuliser needs power").category == "medical"
    change = PhraseChange.objects.get()
    assert change.action == "changed" and change.actor == admin_user
    assert change.before["pattern"] == "nebulizer" and change.after["pattern"] == "home nebuliser"
    html = page(client.get(reverse("safety:changes")))
    assert "“nebulizer” (medical dependence on power, English)" in html
    assert "“home nebuliser” (medical dependence on power, English)" in html and "Changed" in html


def test_admin_removes_a_phrase(client, admin_user):
    client.force_login(admin_user)
    phrase = SafetyPhrase.objects.get(category="carbon_monoxide", pattern="monoxide")
    assert detectors().detect("the monoxide alarm is beeping").category == "carbon_monoxide"
    assert client.post(reverse("safety:phrase_remove", args=[phrase.pk])).status_code == 302
    assert not SafetyPhrase.objects.filter(pk=phrase.pk).exists()
    assert detectors().detect("the monoxide alarm is beeping") is None
    change = PhraseChange.objects.get()
    assert change.action == "removed" and change.actor == admin_user and change.after == {}
    assert client.get(reverse("safety:phrase_remove", args=[phrase.pk])).status_code == 405


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("a*", "“a*” would match almost any word: put at least 3 letters before the *."),
        ("", "Write the words to look for."),
        ("   ", "Write the words to look for."),
        ("gas!!", "“gas!!” is not a word the list can match: use letters and numbers"),
        ("gas//leak", "Write a word on each side of every “/”."),
        ("on the", "Small words such as “the”, “on”, “a” or “de” are skipped when matching"),
        ("rotten  egg", "&quot;rotten egg&quot; is already on the list."),
        ("x" * 201, "A phrase holds at most 200 characters"),
        ("gas\x00leak", "Null characters are not allowed."),
    ],
)
def test_a_bad_phrase_is_refused_in_plain_words_and_nothing_is_saved(client, admin_user, pattern, error):
    client.force_login(admin_user)
    before = SafetyPhrase.objects.count()
    html = page(add_phrase(client, pattern))
    assert error in html
    assert SafetyPhrase.objects.count() == before and not PhraseChange.objects.exists()


def test_junk_in_the_phrase_form_is_refused_never_a_crash(client, admin_user):
    client.force_login(admin_user)
    html = page(add_phrase(client, "sparks", category="earthquake", language="fr"))
    assert "Select a valid choice." in html and not PhraseChange.objects.exists()
    phrase = SafetyPhrase.objects.get(category="sparking", pattern="spark")
    data = {"category": "sparking", "language": "en", "pattern": "a*"}
    html = page(client.post(reverse("safety:phrase", args=[phrase.pk]), data))
    assert "would match almost any word" in html
    assert SafetyPhrase.objects.get(pk=phrase.pk).pattern == "spark"
    assert client.get(reverse("safety:phrase", args=[999999])).status_code == 404


def test_the_test_box_says_why_a_message_is_a_safety_report(client, admin_user):
    client.force_login(admin_user)
    html = page(client.get(reverse("safety:phrases"), {"message": DOWNED}))
    assert "Safety report: downed line" in html
    assert "<mark>power line down</mark> on Elm" in html
    assert "matched &quot;line down&quot; (downed line" in html  # detection.why
    assert "Downed lines, sparks, fire, explosions, flooding" in html  # the advice it would get


def test_the_test_box_answers_htmx_with_its_result_only(client, admin_user):
    client.force_login(admin_user)
    html = page(
        client.get(reverse("safety:phrases"), {"message": "my bill is a gas"}, HTTP_HX_REQUEST="true")
    )
    assert "Not a safety report" in html and "Not from a critical-care customer either." in html
    assert "<h1" not in html and "Add a phrase" not in html


def test_the_test_box_says_when_only_a_critical_care_customer_would_report(client, admin_user):
    client.force_login(admin_user)
    html = page(client.get(reverse("safety:phrases"), {"message": "our power is out since noon"}))
    assert "Not a safety report" in html
    assert "From a customer who depends on power (critical care), it would be one" in html
    assert "power outage" in html and "Medical dependence on power" in html


def test_safety_reply_texts_are_edited_switched_off_and_checked_against_the_channel(client, admin_user):
    client.force_login(admin_user)
    replies = SafetyReply.objects.filter(kind="mention")
    data = {f"{reply.topic}-{reply.language}-text": reply.text for reply in replies}
    data.update({f"{reply.topic}-{reply.language}-enabled": "on" for reply in replies})
    html = page(client.get(reverse("safety:replies_of", args=["mention"])))
    assert "once per conversation and kind of hazard, at any hour, never to an auto-reply or a bounce" in html
    assert "of 280 characters (as X counts them)" in html and "A public reply" in html

    too_long = {**data, "gas-en-text": "Leave the house now. " * 20}
    html = page(client.post(reverse("safety:replies_of", args=["mention"]), too_long))
    assert "X allows 280 characters; this text is 139 too long." in html
    empty = {**data, "medical-es-text": "  "}
    html = page(client.post(reverse("safety:replies_of", args=["mention"]), empty))
    assert "Write the advice; to send none on this channel, switch this text off instead." in html
    assert SafetyReply.objects.get(kind="mention", topic="gas", language="en").text == data["gas-en-text"]

    edited = {**data, "gas-en-text": "  Smell gas? Leave first, then call 911.  "}
    del edited["medical-es-enabled"]
    assert client.post(reverse("safety:replies_of", args=["mention"]), edited).status_code == 302
    assert SafetyReply.objects.get(kind="mention", topic="gas", language="en").text == (
        "Smell gas? Leave first, then call 911."
    )
    assert not SafetyReply.objects.get(kind="mention", topic="medical", language="es").enabled
    assert SafetyReply.objects.get(kind="dm", topic="medical", language="es").enabled  # another channel


def test_email_safety_replies_have_no_length_limit_and_an_unknown_channel_is_404(client, admin_user):
    client.force_login(admin_user)
    replies = SafetyReply.objects.filter(kind="email")
    data = {f"{reply.topic}-{reply.language}-text": reply.text for reply in replies}
    data["gas-en-text"] = "Leave the house now. " * 200
    assert client.post(reverse("safety:replies_of", args=["email"]), data).status_code == 302
    assert client.get(reverse("safety:replies_of", args=["fax"])).status_code == 404


def test_admin_puts_people_on_call_and_sees_who_is_on_call_now(client, admin_user, agent, supervisor):
    client.force_login(admin_user)
    nights = CoverageSchedule.objects.create(
        name="Nights", weekly={str(day): [["22:00", "07:00"]] for day in range(7)}
    )
    data = {
        f"user-{agent.pk}-enabled": "on",
        f"user-{agent.pk}-schedule": "",
        f"user-{agent.pk}-sms_email": "3125550123@vtext.example",
        f"user-{supervisor.pk}-enabled": "on",
        f"user-{supervisor.pk}-schedule": str(nights.pk),
        f"user-{admin_user.pk}-sms_email": "not an address",
    }
    html = page(client.post(reverse("safety:on_call"), data))
    assert "Write an email address, e.g. 3125550123@vtext.com." in html and not OnCall.objects.exists()
    data[f"user-{admin_user.pk}-sms_email"] = ""
    assert client.post(reverse("safety:on_call"), data).status_code == 302
    dana, sam = OnCall.objects.get(user=agent), OnCall.objects.get(user=supervisor)
    assert dana.enabled and dana.schedule is None and dana.sms_email == "3125550123@vtext.example"
    assert sam.enabled and sam.schedule == nights
    assert not OnCall.objects.filter(user=admin_user).exists()  # never put on the list: no row
    with time_machine.travel(WEEKNIGHT, tick=False):
        html = page(client.get(reverse("safety:on_call")))
    assert "<strong>On call now:</strong> Dana, Sam" in html
    data[f"user-{agent.pk}-enabled"] = ""
    client.post(reverse("safety:on_call"), data)
    assert not OnCall.objects.get(user=agent).enabled


def test_nobody_on_call_while_coverage_is_closed_warns_the_admin(client, admin_user, agent):
    client.force_login(admin_user)
    OnCall.objects.create(user=agent, enabled=False)
    with time_machine.travel(WEEKNIGHT, tick=False):
        html = page(client.get(reverse("safety:on_call")))
    assert "<strong>On call now:</strong> nobody" in html
    assert "nobody is on call: safety reports tonight would go to the supervisors only." in html


def test_supervisors_may_see_who_is_on_call_but_change_nothing(client, supervisor, agent):
    OnCall.objects.create(user=agent, sms_email="3125550123@vtext.example")
    client.force_login(supervisor)
    html = page(client.get(reverse("safety:on_call")))
    assert "On call now:</strong> Dana" in html and "Only an admin may change this list." in html
    assert '<form method="post" novalidate>' not in html
    data = {f"user-{agent.pk}-sms_email": ""}
    assert client.post(reverse("safety:on_call"), data).status_code == 403
    assert OnCall.objects.get(user=agent).sms_email == "3125550123@vtext.example"


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("safety:phrases", [], "get"),
        ("safety:phrases", [], "post"),
        ("safety:changes", [], "get"),
        ("safety:replies", [], "get"),
        ("safety:replies_of", ["mention"], "post"),
    ],
)
def test_agents_and_supervisors_may_not_change_safety_settings(client, agent, supervisor, name, args, method):
    for user in (agent, supervisor):
        client.force_login(user)
        response = getattr(client, method)(reverse(name, args=args), {"pattern": "gas!", "category": "gas"})
        assert response.status_code == 403
    phrase = SafetyPhrase.objects.first()
    assert client.post(reverse("safety:phrase_remove", args=[phrase.pk])).status_code == 403
    assert client.get(reverse("safety:phrase", args=[phrase.pk])).status_code == 403
    assert SafetyPhrase.objects.filter(pk=phrase.pk).exists() and not PhraseChange.objects.exists()


def test_agents_may_not_see_who_is_on_call(client, agent):
    client.force_login(agent)
    assert client.get(reverse("safety:on_call")).status_code == 403


def test_the_outage_look_alikes_are_listed_and_editable_apart(client, admin_user):
    client.force_login(admin_user)
    html = page(client.get(reverse("safety:phrases")))
    assert "Look-alike of an outage (critical-care only)" in html
    assert "internet/cable/phone/wifi" in html
    phrase = SafetyPhrase.objects.filter(category="outage_lookalike").first()
    assert client.get(reverse("safety:phrase", args=[phrase.pk])).status_code == 200
