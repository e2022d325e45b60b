"""What the survey says on each channel, and its links. Reads nothing but the survey.

Every link opens a page that asks to confirm (views.py): a mail scanner following the links votes
for nothing.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from . import ratings
from .models import Survey


def survey_url(survey: Survey, rating: int | None = None) -> str:
    """The public page of the survey, or of one rating on it (still to be confirmed there)."""
    path = (
        reverse("surveys:rate", args=[survey.token, rating])
        if rating
        else reverse("surveys:survey", args=[survey.token])
    )
    return settings.SITE_URL.rstrip("/") + path


def rating_links(survey: Survey) -> list[tuple[int, str, str]]:
    """[(rating, words, url)], best first."""
    return [(rating, words, survey_url(survey, rating)) for rating, words in ratings.RATINGS.items()]


def survey_text(survey: Survey) -> str:
    channel = survey.channel
    if channel == Survey.Channel.EMAIL:
        return render_to_string("surveys/email.txt", _email_context(survey)).strip() + "\n"
    if channel == Survey.Channel.MESSENGER:
        return (
            "Thanks for contacting us. How satisfied are you with how we handled your request? "
            f"Tap one below, or tell us more here: {survey_url(survey)}"
        )
    return (
        "Thanks for contacting us. How satisfied are you with how we handled your request? "
        f"One click tells us: {survey_url(survey)}"
    )


def survey_context(survey: Survey) -> dict:
    """The outgoing message's context: what it is (shown on the ticket), and what its channel adds:
    an email's HTML part with the rating buttons, Messenger's quick replies."""
    context = {"survey": {"id": survey.pk, "channel": survey.channel}}
    if survey.channel == Survey.Channel.EMAIL:
        context["email_html"] = render_to_string("surveys/email.html", _email_context(survey))
    elif survey.channel == Survey.Channel.MESSENGER:
        context["quick_replies"] = ratings.quick_replies(survey.token)
    return context


def _email_context(survey):
    ticket = survey.ticket
    return {
        "ticket": ticket,
        "subject": ticket.subject,
        "links": rating_links(survey),
        "survey_url": survey_url(survey),
    }
