"""The storm scenario's generator: a night of reports with its ground truth, the same for a seed."""

import re
from collections import Counter

import pytest

from channels.sandbox.storm import KINDS, StormItem, gazetteer_areas, storm_scenario


@pytest.fixture(scope="module")
def night():
    return storm_scenario(seed=7, reports=2000, minutes=30)


def test_the_same_seed_gives_the_same_night_and_another_seed_another():
    assert storm_scenario(seed=3, reports=300) == storm_scenario(seed=3, reports=300)
    assert storm_scenario(seed=3, reports=300) != storm_scenario(seed=4, reports=300)


def test_reports_are_counted_exactly_and_ordinary_messages_make_the_noise_share(night):
    outage = [item for item in night if item.outage]
    ordinary = [item for item in night if not item.outage and item.reply_to is None]
    assert len(outage) == 2000
    assert len(ordinary) / (len(outage) + len(ordinary)) == pytest.approx(0.2, abs=0.002)
    assert all(item.area is None for item in ordinary)


def test_every_report_names_its_area_of_the_gazetteer_and_six_incidents_by_default(night):
    areas = Counter(item.area for item in night if item.outage)
    assert len(areas) == 6
    assert set(areas) <= set(gazetteer_areas())
    # Feeders differ in size, but none is a handful of reports.
    assert min(areas.values()) > 2000 / 6 / 3


def test_every_channel_kind_is_used_within_the_minutes_in_time_order(night):
    kinds = Counter(item.kind for item in night)
    assert set(kinds) == set(KINDS)
    assert kinds["mention"] > kinds["ig_dm"]  # X carries most of a storm night
    assert all(0 <= item.at < 30 * 60 for item in night)
    assert [item.at for item in night] == sorted(item.at for item in night)


def test_areas_trip_one_after_another(night):
    first_report = {}
    for item in night:
        if item.outage:
            first_report.setdefault(item.area, item.at)
    starts = sorted(first_report.values())
    assert starts[0] < 120 and starts[-1] > 6 * 60  # not six outages in the same minute


def test_customers_usually_write_once_some_twice_always_about_their_own_area(night):
    by_author = {}
    for item in night:
        if item.reply_to is None:
            by_author.setdefault(item.author, []).append(item)
    counts = Counter(len(items) for items in by_author.values())
    assert set(counts) == {1, 2}
    assert 0.05 < counts[2] / len(by_author) < 0.25
    for items in by_author.values():
        assert len({(item.area, item.kind, item.name) for item in items}) == 1


def test_customers_name_the_places_of_their_own_area(night):
    areas = gazetteer_areas()
    named, elsewhere = 0, 0
    for item in night:
        if not item.outage:
            continue
        area = areas[item.area]
        own = [*area.streets, area.town, area.zip, *area.neighbourhoods]
        if any(place.lower() in item.text.lower() for place in own):
            named += 1
        other_towns = {other.town for other in areas.values()} - {area.town}
        # A street's name may exist in another town too, but a customer never names another town.
        elsewhere += any(re.search(rf"\b{re.escape(town)}\b", item.text) for town in other_towns)
    reports = sum(item.outage for item in night)
    assert 0.6 < named / reports < 0.95  # most say where they are; some say nothing usable
    assert elsewhere == 0


def test_some_write_in_spanish_and_emails_have_subjects(night):
    assert any("luz" in item.text for item in night if item.outage)
    for item in night:
        assert bool(item.subject) == (item.kind == "email"), item
    assert all(item.text.startswith("@PrairieEGHelp") for item in night if item.kind == "mention")


def test_chosen_areas_and_plain_refusals():
    items = storm_scenario(seed=1, reports=50, areas=["Harlan North (Feeder H-11)"], noise_share=0)
    assert {item.area for item in items} == {"Harlan North (Feeder H-11)"}
    assert sum(item.outage for item in items) == 50 and isinstance(items[0], StormItem)
    with pytest.raises(ValueError, match="Not an area of the sample gazetteer: Atlantis"):
        storm_scenario(areas=["Atlantis"])
    with pytest.raises(ValueError, match="noise_share"):
        storm_scenario(noise_share=1)


def test_customers_asked_where_they_are_answer_in_their_reports_conversation_some_never(night):
    answers = [item for item in night if item.reply_to is not None]
    areas = gazetteer_areas()
    for answer in answers:
        report = night[answer.reply_to]
        assert report.outage and not answer.outage and report.at < answer.at
        assert (answer.author, answer.kind, answer.area) == (report.author, report.kind, report.area)
        area = areas[answer.area]
        assert any(place in answer.text for place in (area.town, area.zip))  # what the question asks for
    first_reports = {}
    for index, item in enumerate(night):
        if item.outage:
            first_reports.setdefault(item.author, index)
    no_place = [
        index
        for index in first_reports.values()
        if not any(place.lower() in night[index].text.lower() for place in _places(areas[night[index].area]))
    ]
    answered = {answer.reply_to for answer in answers}
    share = sum(index in answered for index in no_place) / len(no_place)
    assert 0.4 < share < 0.65  # most answer; a share never does, or only after the night is over


def test_answers_leave_the_nights_reports_and_ordinary_messages_as_they_were(night):
    assert [item for item in night if item.reply_to is None] == [
        item for item in storm_scenario(seed=7, reports=2000, minutes=30) if item.reply_to is None
    ]


def _places(area):
    return [*area.streets, area.town, area.zip, *area.neighbourhoods, *area.feeders]


def test_some_x_customers_profiles_give_their_own_town_and_no_one_elses(night):
    areas = gazetteer_areas()
    x_reports = [item for item in night if item.outage and item.kind in ("mention", "dm")]
    located = [item for item in x_reports if item.location]
    assert 0.3 < len(located) / len(x_reports) < 0.5
    assert all(item.location == f"{areas[item.area].town}, KS" for item in located)
    assert not any(item.location for item in night if item.kind not in ("mention", "dm") or item.area is None)
