"""bench/storm.py's one update to all: a broadcast on every incident, a worker killed mid-way.

1. The supervisor sends one update on every open incident (fanout.broadcast_send): its plan is one
   IncidentDelivery per linked ticket, each with a paced slot; the worker's `fan_out` task queues the
   replies through tickets.services.ticket_reply.
2. Once a quarter of the replies are queued, the worker and its pool get SIGKILL; a new worker is
   started, and beat's `sweep_broadcasts` (or, where beat's schedule lacks it, this script in its
   place every 30 s) runs the fan-out again until every broadcast is fanned out.
3. Exactly once: one delivery per linked ticket, one reply per delivery (by the reply's compose token
   `incident-update-<update>-<ticket>`), none pending.
4. Pacing: on each account's lane (pacing.py), the planned slots never hold more sends in any window
   than the platform's documented limit (the spec's SEND_LIMITS, without the plan's margin); the
   estimated finish of each lane.
5. Delivery in simulated time: real time would take hours at X's 100 replies per 15 minutes, so each
   reply still queued is sent through the one outbox with `now` = its slot (outbox_deliver), in slot
   order, one thread per lane, to the sandbox's fake platforms; the sandbox then lists what it received:
   each reply exactly once per recipient, and no reply sent before its slot.
"""

import secrets
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta

import requests

from .storm_world import SANDBOX_PORTS

KILL_AT = 0.25  # share of the replies queued when the worker is killed
SWEEP_EVERY = 30  # seconds, as beat's sweep_broadcasts would
FAN_OUT_LIMIT = 900  # seconds for the whole fan-out, kill included
TEXT = (
    "Storm update {mark} for {{{{area}}}}: {{{{first_name}}}}, crews are working on your outage "
    "(status: {{{{status}}}}; power back by {{{{etr}}}}). Reply here if anything changes."
)


def one_update_to_all(processes, supervisor):
    from oss_inbox.incidents.fanout import broadcast_send
    from oss_inbox.incidents.models import Incident

    mark = secrets.token_hex(3)
    incidents = list(Incident.objects.open().filter(proposed=False))
    started = time.monotonic()
    updates = [
        broadcast_send(incident=incident, text=TEXT.format(mark=mark), author=supervisor)
        for incident in incidents
    ]
    planned = sum(update.planned or 0 for update in updates)
    update_ids = [update.pk for update in updates]
    killed = kill_mid_way(processes, update_ids, planned)
    finished = finish(update_ids, started)
    fanned_out = time.monotonic() - started
    once = exactly_once(update_ids)
    lanes = pacing_check(update_ids)
    delivered = deliver_in_simulated_time(update_ids)
    received = sandbox_received(mark)
    return {
        "rows": rows(planned, killed, finished, fanned_out, once, lanes, delivered, received),
        "details": {
            "broadcasts": len(updates),
            "worker killed when queued / planned": killed,
            "deliveries by state": once["states"],
            "lanes (account kind, lane): replies, first to last slot, max in a window vs limit": lanes,
            "delivery in simulated time": delivered,
            "sandbox received (list: items with the mark; recipients twice)": received,
        },
    }


def counts(update_ids):
    from oss_inbox.incidents.models import IncidentDelivery

    rows = IncidentDelivery.objects.filter(update_id__in=update_ids).values_list("state")
    return Counter(state for (state,) in rows)


def kill_mid_way(processes, update_ids, planned):
    """SIGKILL the worker once KILL_AT of the replies are queued; start a new one."""
    deadline = time.monotonic() + FAN_OUT_LIMIT
    while time.monotonic() < deadline:
        queued = counts(update_ids)["queued"]
        if queued >= planned * KILL_AT:
            break
        time.sleep(0.1)
    processes.kill_worker()
    at_kill = counts(update_ids)
    processes.start_worker()
    print(f"storm: worker killed with {at_kill['queued']} of {planned} replies queued; restarted", flush=True)
    return f"{at_kill['queued']:,} / {planned:,} ({dict(at_kill)})"


def finish(update_ids, started):
    """Until every broadcast is fanned out; beat's sweep, or this in its place, asks again."""
    from celery import current_app
    from django.conf import settings

    from oss_inbox.incidents.models import IncidentUpdate

    beat_sweeps = any("sweep_broadcasts" in entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values())
    last_sweep = time.monotonic()
    while time.monotonic() - started < FAN_OUT_LIMIT:
        left = IncidentUpdate.objects.filter(pk__in=update_ids, fanned_out_at__isnull=True).count()
        if not left:
            return True
        if not beat_sweeps and time.monotonic() - last_sweep >= SWEEP_EVERY:
            current_app.send_task("oss_inbox.incidents.tasks.sweep_broadcasts")
            last_sweep = time.monotonic()
        time.sleep(1)
    return False


def exactly_once(update_ids):
    from django.db.models import Count

    from oss_inbox.incidents.models import IncidentDelivery, IncidentTicket, IncidentUpdate
    from oss_inbox.tickets.models import Message

    deliveries = IncidentDelivery.objects.filter(update_id__in=update_ids)
    linked = 0
    for update in IncidentUpdate.objects.filter(pk__in=update_ids):
        links = IncidentTicket.objects.filter(incident_id=update.incident_id, unlinked_at__isnull=True)
        linked += links.count()
    tokens = [f"incident-update-{update}-" for update in update_ids]
    replies = Counter()
    for token in tokens:
        for ticket_id, count in (
            Message.objects.filter(compose_token__startswith=token)
            .values_list("ticket_id")
            .annotate(count=Count("id"))
        ):
            replies[(token, ticket_id)] += count
    queued = deliveries.filter(state="queued")
    return {
        "linked": linked,
        "deliveries": deliveries.count(),
        "states": dict(Counter(deliveries.values_list("state", flat=True))),
        "replies": sum(replies.values()),
        "doubled": sum(1 for count in replies.values() if count > 1),
        "queued without a reply": queued.filter(message__isnull=True).count(),
    }


def lane_slots(update_ids):
    """{(account kind, lane): ([slots], limits)} of the broadcasts' deliveries."""
    from oss_inbox.incidents import pacing
    from oss_inbox.incidents.models import IncidentDelivery

    lanes = defaultdict(list)
    limits = {}
    rows = IncidentDelivery.objects.filter(update_id__in=update_ids, send_at__isnull=False).values_list(
        "ticket__account_id", "ticket__account__kind", "channel", "send_at"
    )
    for account_id, kind, channel, slot in rows:
        key = (account_id, kind, pacing.lane(kind, channel))
        lanes[key].append(slot)
        limits[key] = pacing.send_limits(kind, channel)
    return {key: (sorted(slots), limits[key]) for key, slots in lanes.items()}


def most_in_window(slots, seconds):
    """The most slots in any window of `seconds` (the window's two ends included)."""
    most, first = 0, 0
    for last, slot in enumerate(slots):
        while slot - slots[first] > timedelta(seconds=seconds):
            first += 1
        most = max(most, last - first + 1)
    return most


def pacing_check(update_ids):
    found = {}
    for (_, kind, lane), (slots, limits) in lane_slots(update_ids).items():
        worst = [(most_in_window(slots, seconds), count, seconds) for count, seconds in limits]
        found[f"{kind} {lane}"] = {
            "replies": len(slots),
            "finishes after": str(slots[-1] - slots[0]).split(".")[0],
            "max/limit": [f"{most}/{count} in {seconds} s" for most, count, seconds in worst],
            "ok": all(most <= count for most, count, _ in worst),
        }
    return found


def deliver_in_simulated_time(update_ids):
    """Every reply still queued sent at its slot (`now` = the slot), lanes in parallel. Before that,
    what the worker sent in real time is checked against the clock: a reply sent whose slot is still
    to come went early; a reply queued must wait for its slot (the outbox's next attempt)."""
    from django.db.models import F
    from django.utils import timezone

    from oss_inbox.incidents.models import IncidentDelivery
    from oss_inbox.tickets.models import Message

    deliveries = IncidentDelivery.objects.filter(update_id__in=update_ids, state="queued")
    early = deliveries.filter(message__delivery_state="sent", send_at__gt=timezone.now()).count()
    sent_in_real_time = deliveries.filter(message__delivery_state="sent").count()
    unpaced = (
        deliveries.filter(message__delivery_state="queued")
        .exclude(message__next_attempt_at=F("send_at"))
        .count()
    )
    waiting = defaultdict(list)
    rows = deliveries.filter(message__delivery_state="queued").values_list(
        "ticket__account_id", "channel", "message_id", "send_at"
    )
    for account_id, channel, message_id, slot in rows:
        waiting[(account_id, channel)].append((slot, message_id))
    started, outcomes = time.monotonic(), Counter()
    threads = [
        threading.Thread(target=_deliver_lane, args=(sorted(lane), outcomes)) for lane in waiting.values()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    replies = Message.objects.filter(pk__in=deliveries.values("message_id"))
    failures = Counter(replies.filter(delivery_state="failed").values_list("delivery_error", flat=True))
    return {
        "sent by the worker in real time first": sent_in_real_time,
        "sent before the slot": early,
        "queued without their slot": unpaced,
        "sent here": sum(outcomes.values()),
        "outcomes": dict(outcomes),
        "seconds": round(time.monotonic() - started),
        "replies by state": dict(Counter(replies.values_list("delivery_state", flat=True))),
        "failures": [(error[:120], count) for error, count in failures.most_common(4)],
    }


def _deliver_lane(lane, outcomes):
    from django.db import connection

    from oss_inbox.tickets.services.outbox import outbox_deliver

    try:
        for slot, message_id in lane:
            outcomes[outbox_deliver("reply", message_id, now=slot) or "taken by the worker"] += 1
    finally:
        connection.close()


def sandbox_received(mark):
    sent = requests.get(f"http://127.0.0.1:{SANDBOX_PORTS['CONTROL']}/sent", timeout=60).json()
    recipient = {"tweets": "in_reply_to_tweet_id", "dms": "dm_conversation_id", "facebook": "to",
                 "instagram": "to", "mail": "in_reply_to"}  # fmt: skip
    found = {}
    for name, items in sent.items():
        ours = [item for item in items if mark in (item.get("text") or "")]
        twice = Counter(str(item.get(recipient.get(name, "to"))) for item in ours)
        found[name] = (len(ours), sum(1 for count in twice.values() if count > 1))
    return found


def rows(planned, killed, finished, seconds, once, lanes, delivered, received):
    total_received = sum(count for count, _ in received.values())
    twice = sum(doubled for _, doubled in received.values())
    sent = delivered["replies by state"].get("sent", 0)
    queued, states = once["states"].get("queued", 0), once["states"]
    without = once["queued without a reply"]
    spans = "; ".join(
        f"{name}: {lane['replies']:,} over {lane['finishes after']}" for name, lane in lanes.items()
    )
    early, unpaced = delivered["sent before the slot"], delivered["queued without their slot"]
    return [
        ("Fan-out: every linked ticket planned and queued, worker SIGKILLed at 25%",
         f"{once['deliveries']:,} deliveries for {once['linked']:,} linked tickets; {states}; "
         f"fanned out in {seconds:.0f} s",
         finished and once["deliveries"] == once["linked"] and not states.get("pending")),
        ("Exactly one reply per ticket per update",
         f"{once['replies']:,} replies, {once['doubled']} doubled, {without} deliveries without one",
         once["doubled"] == 0 and without == 0 and once["replies"] == queued),
        ("Slots within each platform's documented limits", spans, all(lane["ok"] for lane in lanes.values())),
        ("Platforms received each reply once, none before its slot",
         f"{total_received:,} received for {sent:,} sent; {twice} recipients twice; {early} early, "
         f"{unpaced} unpaced", total_received == sent and twice == 0 and early == 0 and unpaced == 0),
    ]  # fmt: skip
