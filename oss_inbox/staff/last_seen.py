"""Who is signed in now, for automatic assignment: a session that made a request in the last minutes.

"Signed in" alone would be wrong: a session lasts two weeks, so an agent who shut the laptop at the
end of the shift without signing out would go on receiving tickets. What counts is a session that
is still there (signing out deletes it) and was used lately. The open queue polls every 5 s and a
ticket page every 5 s (browsers slow a hidden tab's timers to once a minute), so an agent with the
app open anywhere is seen at least once a minute; SEEN_WITHIN leaves room for that.

The time is kept in the session itself (no column, no migration): LastSeenMiddleware writes it at
most once a minute per session (SEEN_EVERY), which also moves the session row's `expire_date` to
now + SESSION_COOKIE_AGE. So the sessions seen lately are found through the index on `expire_date`,
and only those few are decoded for their user and their time.
"""

import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session

SEEN_KEY = "_oss_last_seen"  # seconds since the epoch, in the session
SEEN_EVERY = 60  # write the time at most this often (seconds): one small UPDATE a minute per session
SEEN_WITHIN = timedelta(minutes=5)  # seen this recently = signed in and at work


class LastSeenMiddleware:
    """Records, at most once a minute, that the signed-in user of this session made a request.

    After AuthenticationMiddleware (it needs request.user); the session is saved with the response
    by SessionMiddleware, as any session change is.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            seen_now(request.session)
        return self.get_response(request)


def seen_now(session) -> None:
    now = int(time.time())
    if now - session.get(SEEN_KEY, 0) >= SEEN_EVERY:
        session[SEEN_KEY] = now


def signed_in_user_ids(now: datetime, among: Iterable[int] | None = None) -> set[int]:
    """Ids of the users with a session used within SEEN_WITHIN of `now` (optionally only `among` them).

    A session saved at time t expires at t + SESSION_COOKIE_AGE (the app sets no other expiry), and
    it is saved when its time is written, so one seen since now - SEEN_WITHIN expires after
    now + SESSION_COOKIE_AGE - SEEN_WITHIN: that bound picks the candidates by index; the time each
    holds decides.
    """
    wanted = None if among is None else {str(user_id) for user_id in among}
    if wanted is not None and not wanted:
        return set()
    since = now.timestamp() - SEEN_WITHIN.total_seconds()
    saved_after = now + timedelta(seconds=settings.SESSION_COOKIE_AGE) - SEEN_WITHIN
    sessions = Session.objects.filter(expire_date__gte=max(now, saved_after))
    found = set()
    for session in sessions.iterator():
        data = session.get_decoded()  # {} when it cannot be read (another SECRET_KEY): not signed in
        user_id = data.get("_auth_user_id")
        if user_id and (wanted is None or user_id in wanted) and data.get(SEEN_KEY, 0) >= since:
            found.add(int(user_id))
    return found


def seen_at_login(sender, request, user, **kwargs):
    """Signing in is being seen: written with the new session, so its first page saves nothing."""
    if hasattr(request, "session"):  # a login outside a web request (a script, a test) has none
        seen_now(request.session)
