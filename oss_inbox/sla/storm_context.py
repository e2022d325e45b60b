"""`storm_now` in every page's context: the storm period on, for the banner and the storm-first lists.

Costs no query on most pages: current_storm() is kept per process (storm_state.py)."""

from .storm_state import current_storm


def storm_now(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"storm_now": None}  # the login page tells strangers nothing
    return {"storm_now": current_storm()}
