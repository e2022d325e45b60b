from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from oss_inbox.staff.access_views import SetPasswordView, admin_login
from oss_inbox.staff.settings_views import my_settings
from oss_inbox.staff.views import LoginView

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("welcome/<uidb64>/<token>/", SetPasswordView.as_view(), name="set_password"),
    # Before admin's own: whoever Django admin refuses gets the app's login page or its 403, not a
    # second login page.
    path("admin/login/", admin_login),
    # Browsers ask for /favicon.ico whatever a page links (templates/base.html): the same icon, to anyone.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=lazy(static, str)("img/favicon.ico"), permanent=True)),
    ),
    path("admin/", admin.site.urls),
    path("settings/people/", include("oss_inbox.staff.people_urls")),
    path("settings/channels/", include("channels.urls")),
    path("settings/safety/", include("oss_inbox.safety.urls")),
    path("settings/", include("oss_inbox.incidents.urls")),
    path("settings/", include("oss_inbox.sla.urls")),
    path("notifications/", include("oss_inbox.staff.urls")),
    path("me/", my_settings, name="my_settings"),
    path("dashboards/", include("oss_inbox.dashboards.urls")),
    path("accounts/", include("oss_inbox.keyaccounts.urls")),
    path("incidents/", include("oss_inbox.incidents.page_urls")),
    # Customers' satisfaction survey pages: public (no login), the link's token is the key.
    path("survey/", include("oss_inbox.surveys.urls")),
    # Meta's and X's pushes: public (no login, no CSRF token), checked by their signatures.
    path("webhooks/", include("channels.webhooks.urls")),
    path("", include("oss_inbox.inbox.urls")),
]
# No public media URL: customers' attachments are served by inbox.attachments, to agents only.

# The app's own pages for a missing object and a refusal (oss_inbox/errors.py); 500.html is Django's.
handler404 = "oss_inbox.errors.page_not_found"
handler403 = "oss_inbox.errors.permission_denied"
