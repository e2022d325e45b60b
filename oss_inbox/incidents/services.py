"""A supervisor's writes to incidents, from the incident pages: confirm or dismiss a proposal, merge one
incident into another, split chosen tickets off into a new one, and change status, ETR or customers out.

Each locks the incident's row, refuses in plain words what makes no sense (`IncidentRefused`: merging
into a restored incident, splitting off every ticket, ...) and records what it did on the timeline
(`IncidentUpdate`, with who and when). Nothing is deleted: a dismissed proposal and a merged incident
stay as records (status `dismissed` or `merged`), their timelines with them. Tickets' own state is
never written here: membership is the `IncidentTicket` rows (assign.py moves tickets in and out).
"""

from datetime import datetime

from django.db import transaction
from django.utils import formats, timezone

from .assign import incident_ticket_move
from .fanout import etr_changed, restoration_broadcast
from .models import Incident, IncidentTicket, IncidentUpdate

Status = Incident.Status
LinkedBy = IncidentTicket.LinkedBy


class IncidentRefused(Exception):
    """What a person asked makes no sense for this incident; the message says why, in plain words."""


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _note(incident: Incident, text: str, *, user, now: datetime) -> IncidentUpdate:
    return IncidentUpdate.objects.create(
        incident=incident, text=text, status=incident.status, etr=incident.etr, author=user, created_at=now
    )


def _who(user) -> str:
    return user.get_full_name() or user.get_username()


# What the status form may set; dismissing and merging have their own actions.
EDITABLE = (Status.INVESTIGATING, Status.CREWS_WORKING, Status.RESTORED)


def _closed(incident: Incident) -> str:
    """Why an incident that is no longer open takes no change, as the end of a sentence about it."""
    if incident.status == Status.DISMISSED:
        return "was dismissed"
    if incident.status == Status.MERGED:
        into = incident.merged_into.title if incident.merged_into_id else "another incident"
        return f"was merged into “{into}”"
    return "is restored"


def incident_confirm(incident: Incident, *, user, now: datetime | None = None) -> Incident:
    """A supervisor confirms the outage detector's proposal: it becomes an open incident."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise IncidentRefused(f"This incident {_closed(incident)}: there is nothing left to confirm.")
        if not incident.proposed:
            raise IncidentRefused("This incident is confirmed already.")
        incident.proposed, incident.confirmed_at, incident.confirmed_by = False, now, user
        incident.save(update_fields=["proposed", "confirmed_at", "confirmed_by"])
        _note(incident, f"Confirmed by {_who(user)}.", user=user, now=now)
    return incident


def incident_dismiss(incident: Incident, *, user, now: datetime | None = None) -> int:
    """A supervisor says a proposal is no incident: it stays as a record (`dismissed`, who and when, a
    timeline entry) and its tickets are in no incident again (their outage reports stay, and may count
    towards a later spike). The number of tickets set free."""
    now = now or timezone.now()
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise IncidentRefused(f"This incident {_closed(incident)}: there is nothing to dismiss.")
        if not incident.proposed:
            raise IncidentRefused(
                "Only a proposed incident can be dismissed: this one was confirmed. Move its tickets out, "
                "or set it to restored."
            )
        # Closed without a person (unlinked_by empty): nobody decided about these tickets one by one, so
        # the detector may put them in a later incident.
        freed = incident.links.filter(unlinked_at__isnull=True).update(unlinked_at=now)
        incident.status, incident.dismissed_at, incident.dismissed_by = Status.DISMISSED, now, user
        incident.save(update_fields=["status", "dismissed_at", "dismissed_by"])
        _note(
            incident,
            f"Dismissed by {_who(user)}: {freed} ticket(s) are in no incident again.",
            user=user,
            now=now,
        )
    return freed


def incident_merge(merged: Incident, target: Incident, *, user, now: datetime | None = None) -> int:
    """Merge `merged` into `target`: its tickets move there (their links to `merged` are closed and
    kept as history, new ones made to `target`), and `merged` stays as a record (`merged`,
    `merged_into`), its timeline with it; both timelines say so. The number of tickets moved."""
    now = now or timezone.now()
    if merged.pk == target.pk:
        raise IncidentRefused("An incident cannot be merged into itself: choose another one.")
    with transaction.atomic():
        # Both rows locked, in id order: two merges crossing each other wait instead of deadlocking.
        locked = {
            row.pk: row
            for row in Incident.objects.select_for_update()
            .filter(pk__in=[merged.pk, target.pk])
            .order_by("pk")
        }
        if len(locked) < 2:
            raise IncidentRefused("That incident no longer exists: it was merged or dismissed meanwhile.")
        merged, target = locked[merged.pk], locked[target.pk]
        if not target.is_open:
            raise IncidentRefused(
                f"“{target.title}” {_closed(target)}: merging into it would put customers who are still out "
                "into an incident that is over. Merge into an open incident instead."
            )
        if not merged.is_open:
            raise IncidentRefused(f"This incident {_closed(merged)}: its tickets stay where they are.")
        if target.proposed and not merged.proposed:
            raise IncidentRefused(
                f"“{target.title}” is only proposed: confirm it first, or merge it into this incident."
            )
        moved = _links_move(merged, target, user=user, now=now)
        merged.status, merged.merged_into = Status.MERGED, target
        merged.save(update_fields=["status", "merged_into"])
        who = _who(user)
        _note(
            merged,
            f"Merged into “{target.title}” by {who}: {moved} ticket(s) moved there.",
            user=user,
            now=now,
        )
        _note(
            target,
            f"“{merged.title}” merged into this incident by {who}: {moved} ticket(s) moved.",
            user=user,
            now=now,
        )
    return moved


def _links_move(merged: Incident, target: Incident, *, user, now: datetime) -> int:
    """Close `merged`'s open links and open the same tickets' links to `target`; the number moved.
    The closed links keep no `unlinked_by`: the person decided about the incident, not about each
    ticket, so the detector may still put these tickets in a later incident once `target` is over."""
    open_links = merged.links.filter(unlinked_at__isnull=True)
    ticket_ids = list(open_links.values_list("ticket_id", flat=True))
    open_links.update(unlinked_at=now)
    IncidentTicket.objects.bulk_create(
        [
            IncidentTicket(incident=target, ticket_id=ticket_id, linked_by=LinkedBy.SUPERVISOR,
                           linked_by_user=user, linked_at=now)
            for ticket_id in ticket_ids
        ],
        ignore_conflicts=True,  # the one open link per ticket holds, whatever else moved it meanwhile
    )  # fmt: skip
    return len(ticket_ids)


def incident_split(
    incident: Incident, ticket_ids: list[int], *, title: str, user, now: datetime | None = None
) -> Incident:
    """Move the chosen tickets of `incident` to a new incident of the same area, status and ETR,
    confirmed by the person splitting. The new incident."""
    now = now or timezone.now()
    title = title.strip()
    if not title:
        raise IncidentRefused("Give the new incident a title.")
    if not ticket_ids:
        raise IncidentRefused("Choose the tickets to move to the new incident.")
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise IncidentRefused(f"This incident {_closed(incident)}: its tickets stay where they are.")
        members = set(incident.links.filter(unlinked_at__isnull=True).values_list("ticket_id", flat=True))
        strangers = set(ticket_ids) - members
        if strangers:
            raise IncidentRefused(
                f"{len(strangers)} of the chosen tickets are no longer in this incident: reload the page."
            )
        if set(ticket_ids) == members:
            raise IncidentRefused("Choose fewer than all the tickets: a split leaves some in this incident.")
        new = Incident.objects.create(
            title=title[:200], area=incident.area, status=incident.status, etr=incident.etr,
            created_at=now, confirmed_at=now, confirmed_by=user,
        )  # fmt: skip
        for ticket_id in sorted(set(ticket_ids)):
            incident_ticket_move(new, ticket_id, by=LinkedBy.SUPERVISOR, user=user, now=now)
        count = len(set(ticket_ids))
        _note(
            new, f"Split off “{incident.title}” by {_who(user)} with {count} ticket(s).", user=user, now=now
        )
        _note(
            incident, f"{count} ticket(s) split off into “{new.title}” by {_who(user)}.", user=user, now=now
        )
    return new


def incident_edit(
    incident: Incident,
    *,
    status: str,
    etr: datetime | None,
    customers_out: int | None,
    user,
    now: datetime | None = None,
) -> IncidentUpdate:
    """Change the incident's status, ETR or customers out; one timeline entry says what changed.
    Restored also sends the final message to every ticket, resolving it (fanout.restoration_broadcast);
    a moved ETR sends the customers an update when the incident asks for it (fanout.etr_changed).
    Dismissed and merged are not set here: they have their own actions, which keep their records."""
    now = now or timezone.now()
    if status not in EDITABLE:
        raise IncidentRefused("Choose a status: investigating, crews working or restored.")
    if customers_out is not None and customers_out < 0:
        raise IncidentRefused("Customers out cannot be below zero.")
    with transaction.atomic():
        incident = _locked(incident)
        if incident.proposed:
            raise IncidentRefused("Confirm this proposed incident first, or dismiss it.")
        if not incident.is_open:
            raise IncidentRefused(f"This incident {_closed(incident)}: it cannot change any more.")
        changes = _changes(incident, status, etr, customers_out)
        old_etr = incident.etr
        if not changes:
            raise IncidentRefused("Nothing changed: the status, ETR and customers out are as they were.")
        incident.status, incident.etr, incident.customers_out = status, etr, customers_out
        if status == Status.RESTORED:
            incident.restored_at = now
        incident.save(update_fields=["status", "etr", "customers_out", "restored_at"])
        note = _note(incident, f"{'; '.join(changes)} (by {_who(user)}).", user=user, now=now)
        if status == Status.RESTORED:
            restoration_broadcast(incident=incident, by=user, now=now)
        else:
            etr_changed(incident, old_etr, user, now=now)
        return note


def _changes(incident, status, etr, customers_out) -> list[str]:
    changes = []
    if status != incident.status:
        changes.append(f"Status: {Status(status).label}")
    if etr != incident.etr:
        when = formats.date_format(timezone.localtime(etr), "DATETIME_FORMAT") if etr else "none"
        changes.append(f"ETR: {when}")
    if customers_out != incident.customers_out:
        changes.append(f"Customers out: {'unknown' if customers_out is None else customers_out}")
    return changes
