"""Canned responses for admins: list, add, edit, delete, with a live preview (htmx).

The composer's menu of canned responses is cached (inbox.canned.CANNED_KEY); a save or a delete moves
it on (the signals in inbox.apps), so agents see the change at their next ticket.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from oss_inbox.errors import get_or_404

from .canned_forms import KNOWN, CannedResponseForm, canned_preview
from .models import CannedResponse

manage_canned = permission_required("tickets.manage_settings", raise_exception=True)


@manage_canned
def canned_list(request):
    responses = CannedResponse.objects.all()
    return render(request, "inbox/canned_list.html", {"responses": responses, "tab": "canned"})


@manage_canned
@require_http_methods(["GET", "POST"])
def canned_edit(request, canned_id=None):
    """A new canned response (no id) or an existing one; the form re-shown with its errors beside it."""
    canned = None
    if canned_id is not None:
        canned = get_or_404(CannedResponse.objects.all(), f"No canned response #{canned_id}.", pk=canned_id)
    form = CannedResponseForm(request.POST if request.method == "POST" else None, instance=canned)
    if form.is_valid():
        saved = form.save()
        messages.success(request, f"Saved “{saved.name}”: agents are offered it now.")
        return redirect("inbox:canned_list")
    text = form["text"].value() or ""
    context = {
        "form": form,
        "canned": canned,
        "preview": canned_preview(text, form["channel_kind"].value() or "", agent=request.user),
        "placeholders": ["{{" + name + "}}" for name in KNOWN],
        "tab": "canned",
    }
    return render(request, "inbox/canned_edit.html", context, status=400 if form.errors else 200)


@manage_canned
@require_POST
def canned_preview_view(request):
    """The preview partial for the text being typed (htmx, as the admin types)."""
    preview = canned_preview(
        request.POST.get("text", ""), request.POST.get("channel_kind", ""), agent=request.user
    )
    return render(request, "inbox/canned_edit.html#preview", {"preview": preview})


@manage_canned
@require_http_methods(["GET", "POST"])
def canned_delete(request, canned_id):
    """Asks first (GET), deletes on POST."""
    canned = get_or_404(CannedResponse.objects.all(), f"No canned response #{canned_id}.", pk=canned_id)
    if request.method == "POST":
        canned.delete()
        messages.success(request, f"Deleted “{canned.name}”: agents are no longer offered it.")
        return redirect("inbox:canned_list")
    return render(request, "inbox/canned_delete.html", {"canned": canned, "tab": "canned"})
