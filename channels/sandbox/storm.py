"""A storm night's messages, as data: who writes, on which channel, when, what, and about which area.

Pure (no database, no network): `storm_scenario` turns a seed into a list of `StormItem`s sorted by
time. The running sandbox plays them through its fake platforms (storm_play.py); bench/storm.py
stores them directly. Each outage report carries its ground truth, the gazetteer area its writer
lives in, so that whoever clusters reports into incidents can be scored against it.

The shape of the night: several feeders trip one after another (a wave per area), reports of an
area rush in during the minutes after its trip and thin out as the hour goes on. Customers write
the way they do on a storm night: a street, a street and its town, a neighbourhood, a ZIP, the town
alone, a feeder number read off the outage map, or no place at all; mostly English, some Spanish,
some typos. Ordinary requests (bills, moves, streetlights...) keep arriving in between, some of them
naming a street too. A customer whose report named no place, or only a street the service area has in
several towns, is asked where they are (storm mode's acknowledgement, or an agent); some answer a few
minutes later in the same conversation ("Buffalo Trl, Harlan", "66012"): the answer is no outage
report, carries its writer's area as ground truth and `reply_to`, the report it answers. Nothing here
is tuned to the app's detector: the texts come from the demo's text bank and from how customers
write, not from the detector's word lists.
"""

import csv
import random
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from types import SimpleNamespace

from oss_inbox.demo.content import (
    EMAIL_GREETINGS,
    EMAIL_SIGNOFFS,
    TIMES,
    TOPICS,
    X_USERNAME,
    lines_for,
    ticket_values,
)
from oss_inbox.demo.people import FIRST_NAMES, LAST_NAMES, STREETS, TOWNS, ascii_slug
from oss_inbox.demo.topics_power import OUTAGE

GAZETTEER = (
    Path(__file__).resolve().parents[2] / "oss_inbox" / "incidents" / "fixtures" / "gazetteer_sample.csv"
)

# Message.Kind values, with the share of a storm night's messages each receives: X first (people
# post from their phones in the dark), then Facebook, email less than on a normal day.
KIND_SHARES = {
    "mention": 30,
    "dm": 8,
    "comment": 18,
    "messenger": 12,
    "ig_comment": 7,
    "ig_dm": 5,
    "email": 20,
}
KINDS = tuple(KIND_SHARES)
DEFAULT_AREA_COUNT = 6
SECOND_MESSAGE_SHARE = 0.15  # customers who write again ("still out?") later in the night
ONE_CONVERSATION = frozenset({"dm", "messenger", "ig_dm"})  # a customer's messages are one thread
SPANISH_SHARE = 0.1
TYPO_SHARE = 0.08
# Asked "which street and town, or ZIP?", this share answers, within ANSWER_MINUTES: a customer in the
# dark watches their phone for the restoration time, but some save their battery, never see the reply
# or do not bother (docs/storm.md, "Reports that name no place").
ANSWER_SHARE = 0.6
ANSWER_MINUTES = (1, 15)
# X customers whose profile gives their town as its location ("Harlan, KS"): about a third of X
# profiles give no real place (Hecht et al., CHI 2011), others a metro area, a state or a joke.
PROFILE_LOCATION_SHARE = 0.4
X_KINDS = frozenset({"mention", "dm"})

# Topics whose messages are outage reports themselves, or so near one (a downed line, half the
# house dark) that their ground truth would be arguable: never used as ordinary traffic.
NOT_NOISE = {
    "outage",
    "storm",
    "storm_damage",
    "downed_line",
    "lost_neutral",
    "medical_outage",
    "service_drop",
    "tree_on_line",
    "key_planned_outage",
}


@dataclass(frozen=True)
class StormItem:
    kind: str  # a Message.Kind value
    at: float  # seconds from the scenario's start
    author: str  # stable per customer: their handle (their email address for "email")
    name: str
    text: str
    subject: str  # email only; "" otherwise
    area: str | None  # the gazetteer area the writer lives in (ground truth); None for ordinary traffic
    outage: bool
    # An answer to "where are you?": the index in the scenario's list of the report it answers, in
    # whose conversation it is written. Not an outage report; its area is its writer's.
    reply_to: int | None = None
    location: str = ""  # an X user's profile location, as X serves it in user.fields=location


@dataclass(frozen=True)
class Area:
    name: str
    town: str
    zip: str
    streets: tuple
    neighbourhoods: tuple
    feeders: tuple  # how a feeder is written: "Feeder H-11", "H-11", "H11"


@cache
def gazetteer_areas(path=GAZETTEER):
    """The sample gazetteer's areas by name, with the places their customers would write."""
    rows = list(csv.DictReader(Path(path).open(encoding="utf-8")))
    found = {}
    for row in rows:
        kind, name = row["kind"].strip(), row["name"].strip()
        names = [area.strip() for area in row["areas"].split(";") if area.strip()]
        for area_name in names:
            entry = found.setdefault(
                area_name, {"town": "", "zip": "", "streets": [], "neighbourhoods": [], "feeders": []}
            )
            if kind == "town":
                entry["town"] = name
            elif kind == "zip":
                entry["zip"] = name
            elif kind == "street":
                entry["streets"].append(name)
            elif kind == "neighbourhood":
                entry["neighbourhoods"].append(name)
            elif kind == "feeder":
                aliases = [alias.strip() for alias in row["aliases"].split(";") if alias.strip()]
                entry["feeders"].extend([name, *aliases])
    return {
        name: Area(
            name=name,
            town=entry["town"],
            zip=entry["zip"],
            streets=tuple(entry["streets"]),
            neighbourhoods=tuple(entry["neighbourhoods"]),
            feeders=tuple(entry["feeders"]),
        )
        for name, entry in found.items()
        if entry["town"] and entry["streets"]  # a substation's own row names no place people write
    }


# Storm-night lines of our own, beside the demo's OUTAGE openings (which are a calmer day's).
# {place} is whatever the customer names: a street, "Elm St in Harlan", a ZIP, a neighbourhood.
PLACE_LINES = (
    "Power out at {place}. Any ETA?",
    "power just went out {place_in}",
    "Anyone else without power {place_in}? Whole street is dark",
    "Lost power about {time} {place_in}. Is there an outage?",
    "No lights {place_in} since {time}. When is it coming back???",
    "Outage {place_in}?? Just heard a transformer blow",
    "We have no electricity {place_in}. Is a crew on the way?",
    "Lights out {place_in} after that last gust. Please send someone",
    "no power {place_in}, kids are scared of the dark. ETA please",
    "Still no power {place_in}. Been {n} hours. Any update?",
    "The power is out {place_in} and my phone is at 15%. When will it be restored?",
    "Whole neighborhood is dark {place_in}. Reporting an outage.",
)
NO_PLACE_LINES = (
    "Power just went out. Any idea when it'll be back?",
    "Is there an outage? Everything just shut off.",
    "no power here, is this the storm?",
    "Lost power 20 min ago. ETA?",
    "Our power is out, please help, my dad is on oxygen at home.",
    "Lights went out during the storm. How long will it be?",
    "Power outage again... when is it coming back on?",
)
SPANISH_LINES = (
    "Se fue la luz en {place}. ¿Saben cuándo regresa?",
    "No tenemos luz {place_es} desde las {time}.",
    "Sin luz {place_es}. ¿Ya mandaron una cuadrilla?",
    "Apagón {place_es}, toda la calle está a oscuras.",
    "Hola, se fue la luz {place_es}. ¿Cuánto tiempo va a tardar?",
    "Llevamos {n} horas sin luz {place_es}. ¿Alguna novedad?",
)
SPANISH_NO_PLACE = (
    "Se fue la luz. ¿Cuándo regresa?",
    "No hay luz en mi casa desde hace rato, ¿hay un apagón?",
)
SECOND_LINES = (
    "Still no power {place_in}. Any update?",
    "Any news? Still dark here.",
    "It's been hours. Still out {place_in}.",
    "The outage map doesn't show us. Still no power {place_in}.",
    "Update please, still out.",
)
SPANISH_SECOND = ("¿Alguna novedad? Seguimos sin luz.", "Todavía sin luz {place_es}.")
OUTAGE_SUBJECTS = OUTAGE.subjects + ("Power outage", "No power", "Outage report", "Power out - when back?")
SPANISH_SUBJECTS = ("Sin luz", "Apagón", "Reporte de apagón")
# Answers to "which street and town, or ZIP code, are you at?": what people type back on a phone.
ANSWER_LINES = (
    "{street}, {town}",
    "{street}, {town}",
    "I'm on {street} in {town}",
    "{house} {street}, {town}",
    "{zip}",
    "{town} {zip}",
    "We're in {town}",
    "{street} in {town}. Thanks",
)
SPANISH_ANSWERS = ("{street}, {town}", "Estoy en {street}, {town}", "{zip}", "En {town}")


def storm_scenario(*, seed=1, reports=5000, minutes=30, areas=None, noise_share=0.2):
    """A storm night as a time-sorted list of StormItems.

    `reports` outage reports (a customer's second "still out" counts as one) come from the
    customers of `areas` (gazetteer area names; by default 6 drawn by the seed), one wave per area
    within `minutes`. Ordinary messages are added so that they make `noise_share` of all items.
    Deterministic: the same arguments give the same list.
    """
    if reports < 0:
        raise ValueError("reports must be 0 or more")
    if minutes <= 0:
        raise ValueError("minutes must be more than 0")
    if not 0 <= noise_share < 1:
        raise ValueError("noise_share must be at least 0 and less than 1")
    rng = random.Random(seed)
    known = gazetteer_areas()
    if areas is None:
        chosen = rng.sample(sorted(known), DEFAULT_AREA_COUNT)
    else:
        unknown = [name for name in areas if name not in known]
        if unknown:
            raise ValueError(
                f"Not an area of the sample gazetteer: {', '.join(unknown)}. "
                f"Its areas: {', '.join(sorted(known))}."
            )
        if not areas:
            raise ValueError("Name at least one area, or none at all for the default six.")
        chosen = list(areas)
    span = minutes * 60.0
    people = _People(rng)
    items, asked = [], []
    for index, (name, count) in enumerate(zip(chosen, _split(rng, reports, len(chosen)), strict=True)):
        onset = _onset(rng, index, len(chosen), span)
        items += _area_reports(rng, known[name], count, onset, span, people, asked)
    noise = round(reports * noise_share / (1 - noise_share)) if reports else 0
    items += [_ordinary(rng, rng.uniform(0, span), people) for _ in range(noise)]
    # Their own generator: the night's reports and ordinary messages are the same with or without them.
    answers = _answers(random.Random(f"answers-{seed}"), asked, known, span)
    items += [answer for answer, _ in answers]
    items.sort(key=lambda item: item.at)
    position = {id(item): index for index, item in enumerate(items)}
    for answer, report in answers:
        items[position[id(answer)]] = replace(answer, reply_to=position[id(report)])
    return [_with_profile(seed, item, known) for item in items]


def _with_profile(seed, item, known):
    """An X customer's profile location, their town for some; by their handle (and its own generator:
    the night is the same with or without it)."""
    if item.kind not in X_KINDS or item.area is None:
        return item
    if random.Random(f"profile-{seed}-{item.author}").random() >= PROFILE_LOCATION_SHARE:
        return item
    return replace(item, location=f"{known[item.area].town}, KS")


def _split(rng, total, parts):
    # Feeders differ in size: some areas report three times as much as others.
    weights = [rng.uniform(0.6, 1.8) for _ in range(parts)]
    exact = [total * weight / sum(weights) for weight in weights]
    counts = [int(share) for share in exact]
    by_remainder = sorted(range(parts), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _onset(rng, index, count, span):
    # The storm front crosses the territory: one trip after another over the first half.
    step = span * 0.5 / count
    return min(span * 0.9, index * step + rng.uniform(0, step * 0.5))


def _arrival(rng, onset, span):
    """When a customer notices and writes: most within minutes of the trip, a tail afterwards."""
    mean = max(60.0, (span - onset) * 0.3)
    for _ in range(20):
        at = onset + rng.uniform(5, 40) + rng.expovariate(1 / mean)
        if at < span:
            return at
    return rng.uniform(onset, span)


def _area_reports(rng, area, count, onset, span, people, asked):
    """The area's reports; the (report, customer) pairs a desk would ask where they are go to `asked`."""
    items = []
    while len(items) < count:
        customer = people.new(area)
        first_at = _arrival(rng, onset, span)
        items.append(_report(rng, customer, area, first_at, again=False))
        if _names_no_single_area(items[-1], customer, area):
            asked.append((items[-1], customer))
        if len(items) < count and rng.random() < SECOND_MESSAGE_SHARE and span - first_at > 120:
            items.append(_report(rng, customer, area, rng.uniform(first_at + 90, span), again=True))
            # A second post or email is a conversation of its own, asked in turn; a second direct
            # message is in the first one's, where the question was asked once.
            if customer.kind not in ONE_CONVERSATION and _names_no_single_area(items[-1], customer, area):
                asked.append((items[-1], customer))
    return items


class _People:
    """Distinct customers: each has a name, a handle or a mailbox, a channel, a street and a house."""

    def __init__(self, rng):
        self.rng = rng
        self.count = 0
        self.kinds = [kind for kind, share in KIND_SHARES.items() for _ in range(share)]

    def new(self, area=None):
        rng = self.rng
        self.count += 1
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        kind = rng.choice(self.kinds)
        slug = f"{ascii_slug(first)}{ascii_slug(last)[: rng.randrange(1, 8)]}"
        # The running count makes every author distinct however often a name repeats.
        if kind == "email":
            author = f"{slug}.{self.count}@{rng.choice(('example.com', 'example.net', 'example.org'))}"
        else:
            author = f"{slug[:9]}{self.count}"
        if area is not None:
            street, town = rng.choice(area.streets), area.town
        else:
            street, town = None, None
        return _Customer(
            kind=kind,
            author=author,
            name=f"{first} {last}",
            first=first,
            street=street,
            town=town,
            house=rng.randrange(100, 9900),
            spanish=rng.random() < SPANISH_SHARE,
        )


@dataclass(frozen=True)
class _Customer:
    kind: str
    author: str
    name: str
    first: str
    street: str | None
    town: str | None
    house: int
    spanish: bool


def _report(rng, customer, area, at, *, again):
    place, place_in, place_es = _place(rng, customer, area)
    values = {
        "place": place,
        "place_in": place_in,
        "place_es": place_es,
        "street": customer.street,
        "cross": rng.choice([street for street in area.streets if street != customer.street] or area.streets),
        "town": area.town,
        "house": customer.house,
        "time": rng.choice(TIMES),
        "n": rng.randrange(2, 9),
        "customers": f"{rng.randrange(300, 4200):,}",
    }
    if again:
        lines = SPANISH_SECOND if customer.spanish else SECOND_LINES
    elif customer.spanish:
        lines = SPANISH_LINES if place else SPANISH_NO_PLACE
    elif not place:
        lines = NO_PLACE_LINES
    elif place == customer.street and rng.random() < 0.5:
        lines = OUTAGE.openings  # the demo's own: they name the street, often the town
    else:
        lines = PLACE_LINES
    text = rng.choice(lines).format_map(values)
    if not place_in:
        text = " ".join(text.split())  # "{place_in}" left a double space
        text = text.replace(" .", ".").replace(" ?", "?").replace(" ,", ",")
    text = _typo(rng, text)
    subject = ""
    if customer.kind == "mention":
        text = f"@{X_USERNAME} {text}"  # a mention names us, or it would not reach our timeline
    if customer.kind == "email":
        subjects = SPANISH_SUBJECTS if customer.spanish else OUTAGE_SUBJECTS
        subject = rng.choice(subjects).format_map(values)
        if again:
            subject = f"Re: {subject}"
        text = _email(rng, text, customer, spanish=customer.spanish)
    return StormItem(
        kind=customer.kind,
        at=at,
        author=customer.author,
        name=customer.name,
        text=text,
        subject=subject,
        area=area.name,
        outage=True,
    )


def _names_no_single_area(report, customer, area):
    """What the desk asks about: a report whose places narrow to no single area of the gazetteer. No
    place at all; a town or ZIP several feeders serve ("Fairview", "66115"); a street several towns
    have ("Jefferson St") without its town. A neighbourhood, a feeder, a street of one town, or a
    street with its town narrow to one."""
    text = f"{report.subject}\n{report.text}".lower()
    named = {place for place in (*area.streets, *area.neighbourhoods, *area.feeders) if place.lower() in text}
    town = area.town.lower() in text
    if any(len(_street_towns().get(place, ())) <= 1 or town for place in named):
        return False
    zip_code = area.zip in text
    if not (town or zip_code):
        return True
    return (town and _areas_of("town", area.town) > 1) or (zip_code and _areas_of("zip", area.zip) > 1)


def _areas_of(kind, name):
    return sum(getattr(other, kind) == name for other in gazetteer_areas().values())


@cache
def _street_towns(path=GAZETTEER):
    towns = {}
    for row in csv.DictReader(Path(path).open(encoding="utf-8")):
        if row["kind"].strip() == "street":
            towns.setdefault(row["name"].strip(), set()).add(row["town"].strip())
    return towns


def _answers(rng, asked, known, span):
    """(answer, the report it answers) for the asked customers who answer before the night is over."""
    answers = []
    for report, customer in asked:
        at = report.at + rng.uniform(*ANSWER_MINUTES) * 60
        if rng.random() >= ANSWER_SHARE or at >= span:
            continue
        area = known[report.area]
        values = {"street": customer.street, "town": area.town, "zip": area.zip, "house": customer.house}
        text = rng.choice(SPANISH_ANSWERS if customer.spanish else ANSWER_LINES).format_map(values)
        subject = ""
        if customer.kind == "mention":
            text = f"@{X_USERNAME} {text}"
        if customer.kind == "email":
            subject = report.subject if report.subject.startswith("Re: ") else f"Re: {report.subject}"
            text = _email(rng, text, customer, spanish=customer.spanish)
        answer = replace(report, at=at, text=text, subject=subject, outage=False)
        answers.append((answer, report))
    return answers


def _place(rng, customer, area):
    """What the customer calls where they are: (bare, "on/in ..." phrase, Spanish phrase)."""
    roll = rng.random()
    street, town = customer.street, area.town
    if roll < 0.32:
        return street, f"on {street}", f"en {street}"
    if roll < 0.52:
        return f"{street}, {town}", f"on {street} in {town}", f"en {street}, {town}"
    if roll < 0.6 and area.neighbourhoods:
        hood = rng.choice(area.neighbourhoods)
        return hood, f"in {hood}", f"en {hood}"
    if roll < 0.72:
        return town, f"in {town}", f"en {town}"
    if roll < 0.8:
        return f"{town} {area.zip}", f"in {area.zip}", f"en el {area.zip}"
    if roll < 0.83 and area.feeders:
        feeder = rng.choice(area.feeders)
        return f"{street} ({feeder})", f"on {street}, outage map says {feeder}", f"en {street} ({feeder})"
    return "", "", ""


def _ordinary(rng, at, people):
    """A message that has nothing to do with the storm's outages (it may still name a street)."""
    customer = people.new()
    topic = rng.choice(_ordinary_topics())
    values = ticket_values(rng, _anyone(rng), "Dana")
    text = _typo(rng, rng.choice(topic.openings).format_map(values))
    subject = ""
    if customer.kind == "mention":
        text = f"@{X_USERNAME} {text}"
    if customer.kind == "email":
        subject = rng.choice(lines_for(topic, "subjects")).format_map(values)
        text = _email(rng, text, customer)
    return StormItem(
        kind=customer.kind,
        at=at,
        author=customer.author,
        name=customer.name,
        text=text,
        subject=subject,
        area=None,
        outage=False,
    )


@cache
def _ordinary_topics():
    topics = [topic for topic in TOPICS if topic.key not in NOT_NOISE and topic.audience == "residential"]
    return tuple(topic for topic in topics for _ in range(topic.weight))


def _anyone(rng):
    # Ordinary requests come from anywhere in the territory, storm or not.
    return SimpleNamespace(
        first="Alex", house=rng.randrange(100, 9900), street=rng.choice(STREETS), town=rng.choice(TOWNS)
    )


def _email(rng, text, customer, *, spanish=False):
    greeting = rng.choice(("Hola,", "Buenas noches,")) if spanish else rng.choice(EMAIL_GREETINGS)
    signoff = rng.choice(("Gracias,", "Saludos,")) if spanish else rng.choice(EMAIL_SIGNOFFS)
    return f"{greeting}\n\n{text}\n\n{signoff}\n{customer.name}"


def _typo(rng, text):
    """Now and then a thumb slips: a letter dropped or doubled, two swapped, or no capitals at all."""
    if rng.random() >= TYPO_SHARE:
        return text
    words = text.split(" ")
    long_words = [i for i, word in enumerate(words) if len(word) >= 4 and word.isalpha()]
    how = rng.randrange(4)
    if how == 3 or not long_words:
        return text.lower()
    i = rng.choice(long_words)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    if how == 0:
        word = word[:at] + word[at + 1 :]
    elif how == 1:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    words[i] = word
    return " ".join(words)
