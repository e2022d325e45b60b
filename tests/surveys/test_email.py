"""Email: one mail with five one-click ratings, answering the customer's thread, after the delay."""

from dataclasses import replace
from datetime import timedelta
from email import policy
from email.parser import BytesParser

from django.utils import timezone

from oss_inbox.surveys.models import Survey
from oss_inbox.tickets.models import Ticket, TicketEvent
from oss_inbox.tickets.services import ingest, ticket_set_status
from tests import factories

from .world import answer_and_resolve, deliver, send_due, ticket_from


def test_a_resolved_email_ticket_gets_one_mail_with_five_rating_links_and_an_html_part(
    mail, smtp_sink, agent
):
    ticket = ticket_from(mail, factories.email(subject="Bill higher than usual"))
    answer_and_resolve(ticket, agent)

    [survey] = send_due()
    state, message = deliver(survey)

    assert (survey.channel, state, survey.agent) == (Survey.Channel.EMAIL, "sent", agent)
    assert message.is_automatic and message.context["survey"]["id"] == survey.pk
    [received] = smtp_sink.received
    assert received.rcpt_tos == ("maria@example.com",)
    mail_message = BytesParser(policy=policy.default).parsebytes(received.data)
    assert mail_message["Subject"] == f"Re: Bill higher than usual [#{ticket.pk}]"
    assert mail_message["Auto-Submitted"] == "auto-replied"  # no auto-responder answers it
    text = mail_message.get_body(("plain",)).get_content()
    html = mail_message.get_body(("html",)).get_content()
    for rating in range(1, 6):
        link = f"/survey/{survey.token}/{rating}/"
        assert link in text and f'href="http://127.0.0.1:8000{link}"' in html
    assert "5 - Very satisfied" in text


def test_the_survey_neither_reopens_the_ticket_nor_counts_as_an_answer(mail, agent):
    ticket = ticket_from(mail, factories.email())
    answer_and_resolve(ticket, agent)
    resolved_at, first_response_at = ticket.resolved_at, ticket.first_response_at

    [survey] = send_due()

    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolved_at, ticket.first_response_at) == (
        "resolved", resolved_at, first_response_at,
    )  # fmt: skip
    assert ticket.sla_due_at is None
    assert ticket.events.filter(kind=TicketEvent.Kind.SURVEY, data__message=survey.message_id).exists()


def test_nothing_is_sent_before_the_delay(mail, agent):
    answer_and_resolve(ticket_from(mail, factories.email()), agent)

    assert send_due(after=timedelta(minutes=29)) == []
    assert Survey.objects.count() == 0


def test_a_ticket_reopened_meanwhile_is_not_surveyed(mail, agent):
    item = factories.email()
    ticket = ticket_from(mail, item)
    answer_and_resolve(ticket, agent)
    again = factories.email(reply_to_ids=(item.external_id,), text="It is out again!")
    ingest(mail, [replace(again, sent_at=timezone.now())])
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN

    assert send_due() == []
    assert not Survey.objects.exists()


def test_the_last_word_a_bounce_means_no_survey(mail, agent):
    item = factories.email()
    ticket = ticket_from(mail, item)
    reply = answer_and_resolve(ticket, agent)
    bounce = factories.email(
        sender="mailer-daemon@example.com", reply_to_ids=(reply.external_id, item.external_id),
        is_automatic=True, subject="Undelivered Mail Returned to Sender",
    )  # fmt: skip
    ingest(mail, [replace(bounce, sent_at=timezone.now())])
    assert ticket.messages.filter(is_automatic=True, direction="inbound").exists()

    [survey] = send_due()

    assert not survey.was_sent and survey.message is None
    assert survey.skipped_reason == "The last word on the ticket was an auto-reply or a bounce"


def test_a_safety_ticket_is_not_surveyed(mail, agent):
    ticket = ticket_from(mail, factories.email(subject="Wire down", text="A power line is down and sparking"))
    assert ticket.safety
    answer_and_resolve(ticket, agent)

    [survey] = send_due()

    assert survey.skipped_reason == "A safety report: no survey" and survey.message is None


def test_paused_surveys_skip_what_comes_due(mail, agent, settings):
    settings.SURVEYS_PAUSED = True
    answer_and_resolve(ticket_from(mail, factories.email()), agent)

    [survey] = send_due()

    assert survey.skipped_reason == "Surveys were paused (storm mode)" and survey.message is None
    settings.SURVEYS_PAUSED = False
    assert send_due() == []  # skipped for good


def test_a_ticket_resolved_without_an_answer_is_not_surveyed(mail, agent):
    ticket = ticket_from(mail, factories.email())
    ticket_set_status(ticket=ticket, status="resolved", actor=agent)

    [survey] = send_due()

    assert survey.skipped_reason == "Resolved without an answer to the customer"
