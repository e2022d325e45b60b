"""Moderation rules for admins: list, add, edit, switch on or off, and try one on a sample comment.

A rule acts on comments that arrive after it is saved (channels/moderation/auto.py); comments
already stored are left as they are.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from oss_inbox.errors import get_or_404

from ..models import ModerationRule
from ..registry import spec_for
from .detect import find_all, words_of
from .forms import ModerationRuleForm

manage_settings = permission_required("tickets.manage_settings", raise_exception=True)


@manage_settings
def rule_list(request):
    rules = [(rule, _channel_names(rule)) for rule in ModerationRule.objects.all()]
    return render(request, "channels/moderation_list.html", {"rules": rules})


@manage_settings
@require_http_methods(["GET", "POST"])
def rule_edit(request, rule_id=None):
    """A new rule (no id) or an existing one; the form again with its errors beside the fields."""
    rule = _rule(rule_id) if rule_id is not None else None
    form = ModerationRuleForm(request.POST if request.method == "POST" else None, instance=rule)
    if form.is_valid():
        saved = form.save()
        state = "on: it checks comments as they arrive" if saved.enabled else "off"
        messages.success(request, f"Saved the rule “{saved.name}”; it is {state}.")
        return redirect("channels:moderation")
    context = {"form": form, "rule": rule, "sample": request.POST.get("sample", "")}
    return render(request, "channels/moderation_edit.html", context, status=400 if form.errors else 200)


@manage_settings
@require_POST
def rule_toggle(request, rule_id):
    rule = _rule(rule_id)
    rule.enabled = not rule.enabled
    rule.save(update_fields=["enabled", "updated_at"])
    words = "on: it checks comments as they arrive" if rule.enabled else "off: it hides nothing more"
    messages.success(request, f"The rule “{rule.name}” is now {words}.")
    return redirect("channels:moderation")


@manage_settings
@require_POST
def rule_try(request):
    """What the rule being edited finds in a sample comment (htmx, as the admin types)."""
    sample, finds = request.POST.get("sample", ""), request.POST.get("finds", "")
    found = []
    if finds in ModerationRule.Finds.values and sample.strip():
        findings = find_all(sample, finds, words_of(request.POST.get("words", "")))
        found = [(finding.why, finding.matched(sample)) for finding in findings]
    context = {"tried": bool(sample.strip()), "found": found}
    return render(request, "channels/moderation_edit.html#try-result", context)


def _rule(rule_id):
    return get_or_404(ModerationRule.objects.all(), f"No moderation rule #{rule_id}.", pk=rule_id)


def _channel_names(rule):
    return ", ".join(spec_for(kind).name for kind in rule.kinds) or "Every channel with public comments"
