"""The sandbox's outage map during a storm scenario, as a vendor's feed publishes it. Pure: the
scenario's items, how far it has gone and when it started in, the current outages out.

What the map shows of an area (each area of the scenario is one outage, id "SBX-<n>"):
- listed a minute after its first report (the map lags the first calls), its customers out rising
  over five minutes to the feeder's size;
- status "Reported", then "Crew dispatched", then "Crew on site" as the scenario goes on;
- an ETR set when it is listed, pushed later mid-way for two areas in three (the crew found more
  damage) and brought forward for one in three near the end: ETRs that move, to re-notify on;
- after the scenario's last minute, restored one area after another ("Restored", 0 out), and a few
  minutes later no longer listed.

`speed` > 1 plays the scenario faster than the clock (tests): every span of scenario time is then
`speed` times shorter on the clock, ETRs included.
"""

import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import UTC, timedelta

CAUSES = (
    "Tree on line",
    "Wind damage",
    "Lightning",
    "Broken pole",
    "Equipment failure",
    "Under investigation",
)
MAP_LAG = 60.0  # seconds between an area's first report and its outage on the map
RAMP = 300.0  # seconds over which its customers out reach the feeder's size
STAY_RESTORED = 300.0  # seconds a restored outage stays listed
CSV_FIELDS = ("id", "area", "customers_out", "cause", "etr", "status")


@dataclass(frozen=True)
class AreaOutage:
    number: int
    area: str
    onset: float  # scenario seconds of its first report
    customers: int  # the feeder's customers out once the map caught up
    cause: str
    etr_minutes: float  # first ETR: minutes after the onset
    moved_minutes: float  # mid-way move (0: none)
    forward_minutes: float  # near the end, brought forward (0: none)


def area_outages(items, *, seed=1):
    """One outage per area of the scenario, in the order they trip."""
    firsts, counts = {}, {}
    for item in items:
        if item.outage and item.area:
            firsts.setdefault(item.area, item.at)
            firsts[item.area] = min(firsts[item.area], item.at)
            counts[item.area] = counts.get(item.area, 0) + 1
    rng = random.Random(f"feed-{seed}")
    outages = []
    for number, area in enumerate(sorted(firsts, key=firsts.get), start=1):
        outages.append(
            AreaOutage(
                number=number,
                area=area,
                onset=firsts[area],
                # Not every customer without power writes: a few in ten do.
                customers=int(round(counts[area] * rng.uniform(3, 6), -1)),
                cause=rng.choice(CAUSES),
                etr_minutes=rng.choice((90, 120, 150, 180, 240)),
                moved_minutes=rng.choice((45, 60, 90)) if number % 3 else 0,
                forward_minutes=30 if number % 3 == 1 else 0,
            )
        )
    return outages


def feed_rows(outages, *, span, elapsed, started_at, speed=1.0):
    """The outages listed `elapsed` scenario seconds after `started_at` (a span of `span` seconds)."""
    rows = []
    for outage in outages:
        since = elapsed - outage.onset
        if since < MAP_LAG:
            continue
        restored_at = span + outage.number * span * 0.1 - outage.onset
        if since > restored_at + STAY_RESTORED:
            continue  # restored a while ago: off the map
        restored = since >= restored_at
        etr = outage.etr_minutes * 60
        if outage.moved_minutes and since >= span * 0.5:
            etr += outage.moved_minutes * 60
        if outage.forward_minutes and since >= span * 0.8:
            etr -= outage.forward_minutes * 60
        rows.append(
            {
                "id": f"SBX-{outage.number}",
                "area": outage.area,
                "customers_out": 0 if restored else int(outage.customers * min(1.0, since / RAMP)),
                "cause": outage.cause,
                "etr": _iso(_five_minutes(started_at + timedelta(seconds=(outage.onset + etr) / speed))),
                "status": "Restored" if restored else _status(since, span),
            }
        )
    return rows


def _status(since, span):
    if since < span * 0.15:
        return "Reported"
    if since < span * 0.35:
        return "Crew dispatched"
    return "Crew on site"


def _five_minutes(moment):
    """Utilities publish round ETRs: 8:30 PM, not 8:27:43."""
    over = timedelta(minutes=moment.minute % 5, seconds=moment.second, microseconds=moment.microsecond)
    return moment - over + timedelta(minutes=5) if over else moment


def _iso(moment):
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def as_json(rows, *, now):
    """Kubra-like: the list under "outages", with when it was made."""
    return json.dumps({"updated": _iso(now), "outages": rows}, indent=1).encode()


def as_csv(rows):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
