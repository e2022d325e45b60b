"""Admin pages for SLA policies and out-of-hours acknowledgement texts."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .configuration import acknowledgements_save, sla_policy_delete, sla_policy_save
from .forms import AcknowledgementForm, SlaPolicyForm
from .models import AcknowledgementSetting, SlaPolicy
from .policies import policy_rules_words, policy_targets_words, specificity
from .views import manage_settings


@manage_settings
def policy_list(request):
    policies = sorted(SlaPolicy.objects.all(), key=specificity)
    rows = [(policy, policy_rules_words(policy), policy_targets_words(policy)) for policy in policies]
    return render(request, "sla/policy_list.html", {"rows": rows})


@manage_settings
def policy_edit(request, policy_id=None):
    policy = get_object_or_404(SlaPolicy, pk=policy_id) if policy_id else SlaPolicy()
    heading = policy.name or "New SLA policy"  # as saved: a refused form must not rename the page
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        policy = sla_policy_save(form)
        messages.success(request, f"Saved {policy.name}. Open tickets' due times are being recomputed.")
        return redirect("sla:policies")
    return render(request, "sla/policy_edit.html", {"form": form, "policy": policy, "heading": heading})


@manage_settings
@require_POST
def policy_delete(request, policy_id):
    policy = get_object_or_404(SlaPolicy, pk=policy_id)
    sla_policy_delete(policy)
    messages.success(request, f"Deleted {policy.name}. Open tickets' due times are being recomputed.")
    return redirect("sla:policies")


@manage_settings
def acknowledgements(request):
    forms = [
        AcknowledgementForm(request.POST or None, instance=setting, prefix=setting.kind)
        for setting in AcknowledgementSetting.objects.all()
    ]
    if request.method == "POST" and all([form.is_valid() for form in forms]):
        acknowledgements_save(forms)
        messages.success(request, "Saved the out-of-hours acknowledgements.")
        return redirect("sla:acknowledgements")
    return render(request, "sla/acknowledgements.html", {"forms": forms})
