"""A signed-in user without a role sees one page, saying to ask an admin, at every address."""

from django.core.exceptions import PermissionDenied
from django.urls import Resolver404, resolve, reverse

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


def _public(request):
    """A page open to everyone (login_not_required: a customer's survey page) is open to a signed-in
    user without a role too."""
    try:
        return getattr(resolve(request.path_info).func, "login_required", True) is False
    except Resolver404:
        return False
