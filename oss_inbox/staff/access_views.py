"""Two doors that are not the login page: the link an invitation (or a new-password email) carries,
and Django admin's own login page, which the app replaces with its one login page and its 403."""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme

NOT_FOR_ADMIN = (
    "Django admin is for admins only. Everything you work with is in the app: the queue, tickets and "
    "your settings."
)


@method_decorator(login_not_required, name="dispatch")
class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Choose a password from an emailed link, then start signed in. The link works once (its token
    is made from the current password), for PASSWORD_RESET_TIMEOUT, and not for a deactivated person."""

    template_name = "staff/set_password.html"
    post_reset_login = True
    # Several backends are configured (sign-in throttling first): say which one signs them in.
    post_reset_login_backend = "oss_inbox.staff.permissions.CachedPermissionsBackend"
    success_url = reverse_lazy(settings.LOGIN_REDIRECT_URL)
    reset_url_token = "set"

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


@login_not_required
def admin_login(request):
    """Django admin's login address (where admin sends whoever it refuses): a signed-out person goes to
    the app's login page, a signed-in one without staff status gets the app's 403, an admin goes on."""
    target = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    if not request.user.is_authenticated:
        return redirect_to_login(target or reverse("admin:index"))
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied(NOT_FOR_ADMIN)
    return redirect(target or "admin:index")
