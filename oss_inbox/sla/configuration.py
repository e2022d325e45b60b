"""Writes of SLA policies and acknowledgement texts; a policy change recomputes open tickets."""

from django.db import transaction

from .services import sla_settings_changed


@transaction.atomic
def sla_policy_save(form):
    """Save a valid SlaPolicyForm; open tickets are recomputed in the background after commit."""
    policy = form.save()
    sla_settings_changed()
    return policy


@transaction.atomic
def sla_policy_delete(policy):
    policy.delete()
    sla_settings_changed()


@transaction.atomic
def acknowledgements_save(forms):
    """Save valid AcknowledgementForms; the next inbound message uses them."""
    for form in forms:
        form.save()
