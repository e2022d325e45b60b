"""The survey's public pages: no login, the unguessable token is the key.

A link's GET only shows what it would record and asks to confirm (mail scanners and link
previews follow every link in a mail: they must not vote); the POST records. CSRF protection is
Django's, which works for anonymous visitors (the form's token and its cookie). The pages are
plain, cheap and uncached, tell an unknown token and a closed survey apart in plain words, and
never say whose ticket it is beyond its number.
"""

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import ratings
from .answers import SurveyClosed, is_open, survey_by_token, survey_rate
from .forms import RatingForm


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


def _unavailable(request, survey):
    if survey is None:
        return _private(render(request, "surveys/unknown.html", status=404))
    return _private(render(request, "surveys/closed.html", {"survey": survey}, status=410))


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def survey_page(request, token, rating=None):
    """GET: the ratings, the one clicked chosen, and a comment box; POST: record them."""
    survey = survey_by_token(token)
    if survey is None or not is_open(survey):
        return _unavailable(request, survey)
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                survey_rate(
                    survey=survey, rating=form.cleaned_data["rating"], comment=form.cleaned_data["comment"]
                )
            except SurveyClosed:
                return _unavailable(request, survey)
            return redirect("surveys:thanks", token=token)
    else:
        chosen = rating if ratings.is_rating(rating) else survey.rating
        form = RatingForm(initial={"rating": chosen, "comment": survey.comment})
    context = {"survey": survey, "form": form, "chosen": rating if ratings.is_rating(rating) else None}
    return _private(render(request, "surveys/page.html", context))


@login_not_required
@require_http_methods(["GET", "HEAD"])
def thanks(request, token):
    survey = survey_by_token(token)
    if survey is None or survey.rating is None:
        return _unavailable(request, survey) if survey is None else redirect("surveys:survey", token=token)
    return _private(render(request, "surveys/thanks.html", {"survey": survey, "open": is_open(survey)}))
