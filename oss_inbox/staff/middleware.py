"""Per-request staff rules: a signed-in user without a role sees one page, saying to ask an admin,
at every address; and every page shows times in the viewer's own time zone."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from .profiles import profile_of
from .roles import has_role

NO_ROLE = (
    "Your account has no role yet, so there is nothing to show you. Ask an admin to make you an Agent, a "
    "Supervisor or an Admin."
)


class RoleRequiredMiddleware:
    """Refuses (403, the app's 403 page) every request of a signed-in user with no role, reads and
    writes alike, except signing in and out: once, here, rather than in each view.

    After AuthenticationMiddleware (it needs request.user); anonymous users are
    LoginRequiredMiddleware's to send to the login page.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.open_paths = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and request.path not in self._open_paths()
            and not has_role(user)
            and not _public(request)
        ):
            raise PermissionDenied(NO_ROLE)
        return self.get_response(request)

    def _open_paths(self):
        # Resolved on first use: the URLconf is not loaded when middleware is built.
        if self.open_paths is None:
            self.open_paths = {reverse("login"), reverse("logout"), reverse("admin:logout")}
        return self.open_paths


# The session's copy of the user's zone name ("" = the team's): read on every request, so the
# preference costs no query once known. Saving the settings page writes it (remember_zone).
ZONE_SESSION_KEY = "staff_time_zone"


def remember_zone(request, name):
    """Keep the zone the user just chose for this session's next requests."""
    request.session[ZONE_SESSION_KEY] = name
    timezone.activate(zone_named(name))


def zone_named(name):
    """The zone called `name`, or the team's (settings.TIME_ZONE) for "" or a name no longer known.

    A bad name saved earlier (by Django admin, or before tzdata dropped it) must not break every page
    its owner opens: a region's name ("America") is a folder of the zone database, which ZoneInfo
    reports as an OSError rather than as an unknown zone.
    """
    if not name:
        return timezone.get_default_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return timezone.get_default_timezone()


class StaffZoneMiddleware:
    """Activates the signed-in user's time zone (StaffProfile.time_zone) for the request, so that
    templates and the `dates` filters show their times in it; anonymous visitors see the team's.

    The name is cached in the session: one query the first time in a session, none after. A change
    made in another session reaches this one when it signs in again. Dashboard day boundaries do
    not follow it: a team's day is the team's (dashboards.filters.local_zone).
    After SessionMiddleware and AuthenticationMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            name = request.session.get(ZONE_SESSION_KEY)
            if name is None:
                name = profile_of(user).time_zone
                request.session[ZONE_SESSION_KEY] = name
            timezone.activate(zone_named(name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # a thread serves the next request with no zone left over


def zone_at_login(sender, request, user, **kwargs):
    """The zone goes into the new session as it is made, so its first page reads no profile."""
    if hasattr(request, "session"):  # a login outside a web request (a script, a test) has none
        request.session[ZONE_SESSION_KEY] = profile_of(user).time_zone


def _public(request):
    """A page open to everyone (login_not_required: a customer's survey page) is open to a signed-in
    user without a role too."""
    try:
        return getattr(resolve(request.path_info).func, "login_required", True) is False
    except Resolver404:
        return False
