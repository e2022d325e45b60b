"""The customers' survey pages: a link's GET records nothing (mail scanners follow links), only the
confirmed POST does; no login; CSRF as for anyone; plain pages for unknown and closed surveys."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from oss_inbox.staff.templatetags.dates import when_full
from oss_inbox.tickets.models import TicketEvent
from tests import factories

from .world import answer_and_resolve, send_due, ticket_from


@pytest.fixture
def survey(mail, agent):
    answer_and_resolve(ticket_from(mail, factories.email()), agent)
    [survey] = send_due()
    return survey


def test_a_link_s_get_and_head_record_nothing_and_ask_to_confirm(client, survey):
    page = client.get(f"/survey/{survey.token}/4/")
    assert client.head(f"/survey/{survey.token}/4/").status_code == 200

    survey.refresh_from_db()
    assert page.status_code == 200 and survey.rating is None and survey.rated_at is None
    content = page.content.decode()
    assert "You rated us 4 of 5" in content and "Confirm" in content
    checked = re.findall(r'<input type="radio" name="rating" value="(\d)"[^>]*\bchecked\b', content)
    assert checked == ["4"]  # the rating clicked is chosen, ready to confirm
    assert page["Cache-Control"] == "no-store" and "noindex" in page["X-Robots-Tag"]
    assert not survey.ticket.events.filter(kind=TicketEvent.Kind.SURVEY, data__has_key="rating").exists()


def test_the_confirmed_post_records_the_rating_and_comment_and_thanks(survey):
    client = Client(enforce_csrf_checks=True)  # an anonymous visitor, CSRF checked as in production
    client.get(f"/survey/{survey.token}/5/")
    token = client.cookies["csrftoken"].value

    answer = client.post(
        f"/survey/{survey.token}/",
        {"rating": "5", "comment": " Quick and kind, thanks! ", "csrfmiddlewaretoken": token},
    )

    assert answer.status_code == 302 and answer["Location"] == f"/survey/{survey.token}/thanks/"
    survey.refresh_from_db()
    assert (survey.rating, survey.comment, survey.rated_via) == (5, "Quick and kind, thanks!", "page")
    event = survey.ticket.events.get(kind=TicketEvent.Kind.SURVEY, data__has_key="rating")
    assert event.data == {
        "rating": 5,
        "words": "Very satisfied",
        "comment": "Quick and kind, thanks!",
        "via": "page",
    }
    thanks = client.get(answer["Location"]).content.decode()
    assert "You rated us 5 of 5" in thanks and "Quick and kind, thanks!" in thanks


def test_a_post_without_the_csrf_token_is_refused(survey):
    answer = Client(enforce_csrf_checks=True).post(f"/survey/{survey.token}/", {"rating": "1"})
    survey.refresh_from_db()
    assert answer.status_code == 403 and survey.rating is None


def test_a_new_answer_replaces_the_old_while_the_survey_is_open(client, survey):
    client.post(f"/survey/{survey.token}/", {"rating": "2", "comment": "Slow"})
    client.post(f"/survey/{survey.token}/", {"rating": "4", "comment": ""})
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (4, "")
    assert survey.ticket.events.filter(kind=TicketEvent.Kind.SURVEY, data__has_key="rating").count() == 2


def test_a_post_without_a_rating_shows_the_page_again_in_words(client, survey):
    answer = client.post(f"/survey/{survey.token}/", {"comment": "hello"})
    survey.refresh_from_db()
    assert answer.status_code == 200 and "Choose how satisfied you are." in answer.content.decode()
    assert survey.rating is None


def test_an_unknown_token_gets_a_plain_page(client, survey):
    page = client.get("/survey/not-a-real-token-at-all/5/")
    assert page.status_code == 404 and "We cannot find this survey" in page.content.decode()


def test_a_skipped_survey_s_token_is_unknown(client, mail, agent, settings):
    settings.SURVEYS_PAUSED = True
    answer_and_resolve(ticket_from(mail, factories.email()), agent)
    [skipped] = send_due()
    assert client.get(f"/survey/{skipped.token}/5/").status_code == 404


def test_after_seven_days_the_survey_is_closed_and_keeps_its_answer(client, survey):
    client.post(f"/survey/{survey.token}/", {"rating": "3"})
    with time_machine.travel(survey.sent_at + timedelta(days=7, minutes=1)):
        page = client.get(f"/survey/{survey.token}/5/")
        late = client.post(f"/survey/{survey.token}/", {"rating": "5"})
    survey.refresh_from_db()
    assert page.status_code == 410 and "This survey has closed" in page.content.decode()
    assert late.status_code == 410 and survey.rating == 3


def test_a_signed_in_user_without_a_role_may_answer_too(client, survey, outsider):
    client.force_login(outsider)
    assert client.get(f"/survey/{survey.token}/5/").status_code == 200
    assert client.get("/").status_code == 403  # everything else still says to ask an admin


def test_the_ticket_page_shows_the_rating_and_comment(client, survey, agent):
    client.post(f"/survey/{survey.token}/", {"rating": "5", "comment": "thanks!"})
    client.force_login(agent)
    page = client.get(survey.ticket.get_absolute_url()).content.decode()
    assert "Rated 5 of 5" in page and "thanks!" in page
    survey.refresh_from_db()
    assert f'<time datetime="{survey.rated_at.isoformat()}" title="{when_full(survey.rated_at)}">' in page
    assert "Satisfaction survey" in page
