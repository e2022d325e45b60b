"""`storm_now` in every page's context: the storm period on, for the banner and the storm-first lists.

Costs no query on most pages: current_storm() is kept per process (storm_state.py)."""

from .storm import person_name
from .storm_state import current_storm


def storm_now(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"storm_now": None}  # the login page tells strangers nothing
    storm = current_storm()
    return {"storm_now": storm, "storm_by": person_name(storm.started_by) if storm else None}
