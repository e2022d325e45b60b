from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from .notifications import notifications_mark_read


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True


@login_required
def notification_list(request):
    """The user's notifications, newest first (SLA escalations, key-account reminders)."""
    notifications = request.user.notifications.select_related("ticket")[:100]
    return render(request, "staff/notifications.html", {"notifications": notifications})


@login_required
@require_POST
def notifications_read(request):
    notifications_mark_read(request.user)
    return redirect("staff:notifications")
