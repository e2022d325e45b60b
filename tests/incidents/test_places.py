"""Where an outage report is: ZIPs (not account, meter or phone numbers), streets, towns and
neighbourhoods from the gazetteer by their normalised names and aliases, narrowed down to one area."""

import pytest
from hypothesis import given, settings, strategies

from oss_inbox.incidents.places import Gazetteer, GazetteerPlace, find_places, narrow_areas, place_key

HARLAN_NORTH, HARLAN_SOUTH, FAIRVIEW = 1, 2, 3
PLACES = [
    (GazetteerPlace(1, "town", "Harlan", frozenset({HARLAN_NORTH, HARLAN_SOUTH})), ["Harlan"]),
    (GazetteerPlace(2, "zip", "66012", frozenset({HARLAN_NORTH, HARLAN_SOUTH})), ["66012"]),
    (GazetteerPlace(3, "street", "Elm St", frozenset({HARLAN_NORTH})), ["Elm St", "Elm Street"]),
    (GazetteerPlace(4, "street", "W 4th St", frozenset({HARLAN_SOUTH})), ["W 4th St"]),
    (GazetteerPlace(5, "street", "Maple Ave", frozenset({HARLAN_SOUTH})), ["Maple Ave"]),
    (GazetteerPlace(6, "town", "Sutter's Crossing", frozenset({FAIRVIEW})), ["Sutter's Crossing", "Sutters"]),
    (GazetteerPlace(7, "street", "N Main St", frozenset({FAIRVIEW})), ["N Main St"]),
    (GazetteerPlace(8, "street", "N Main St", frozenset({HARLAN_NORTH})), ["N Main St"]),
    (GazetteerPlace(9, "neighbourhood", "Old Town", frozenset({HARLAN_NORTH})), ["Old Town"]),
    (GazetteerPlace(10, "feeder", "Feeder H-12", frozenset({HARLAN_SOUTH})), ["Feeder H-12", "H12"]),
]
GAZETTEER = Gazetteer.build(PLACES)


def where(text):
    return narrow_areas(find_places(text, GAZETTEER))


def found(text):
    return [(place.kind, place.written) for place in find_places(text, GAZETTEER)]


@pytest.mark.parametrize(
    "text",
    [
        "No power, my account number is 66012 if that helps",
        "account ends in 66012",
        "Meter #66012 is dark",
        "Call me back at 316 555 66012",
        "my phone is 316-566012, power out",
        "Outage map says 12000 customers out",
        "Power out at 66012 Elm Street",  # a house number
        "Ref no. 66012 - still no power",
    ],
)
def test_five_digits_that_are_not_a_zip_are_left_alone(text):
    assert not [kind for kind, _ in found(text) if kind == "zip"]


def test_a_zip_alone_or_with_its_plus_four_is_found():
    assert found("No power in 66012 since 9")[0] == ("zip", "66012")
    assert ("zip", "66012") in found("Lights out, Harlan KS 66012-4410")
    assert where("zip 66012 no power").area_ids == {HARLAN_NORTH, HARLAN_SOUTH}


@pytest.mark.parametrize(
    "text",
    ["My neighbor said 66012 is out", "Lights out at the hotel, 66012", "whole 66012 is dark", "(66012)"],
)
def test_a_zip_after_a_word_that_only_ends_like_an_account_word_is_a_zip(text):
    assert ("zip", "66012") in found(text)


def test_a_zip_outside_the_gazetteer_is_reported_as_such():
    [zip_code] = find_places("Outage at 67999", GAZETTEER)
    assert zip_code.places == () and "not in the service area" in zip_code.why


@pytest.mark.parametrize(
    "text",
    [
        "Power's out on Elm St",
        "power out on elm street",
        "No power on ELM ST.",
        "lights out, Elm Street & nothing else",
    ],
)
def test_a_street_is_found_however_its_suffix_and_case_are_written(text):
    assert where(text).area_id == HARLAN_NORTH


def test_a_street_is_found_without_its_direction_and_after_calle():
    assert where("no power at 12 West 4th Street").area_id == HARLAN_SOUTH
    assert where("no power at 12 4th St").area_id == HARLAN_SOUTH
    assert where("Se fue la luz en la calle Maple").area_id == HARLAN_SOUTH


def test_towns_and_neighbourhoods_by_name_and_alias_with_apostrophes_and_accents_dropped():
    assert where("Apagón en Sutters Crossing").area_id == FAIRVIEW
    assert where("blackout in SUTTER’S CROSSING").area_id == FAIRVIEW
    assert where("Old Town is dark").area_id == HARLAN_NORTH
    assert where("feeder H12 tripped again?").area_id == HARLAN_SOUTH


def test_a_street_of_two_towns_is_narrowed_down_by_the_town():
    assert where("N Main St is dark").area_ids == {HARLAN_NORTH, FAIRVIEW}
    assert where("N Main St is dark").area_id is None
    assert where("N Main St in Sutter's Crossing is dark").area_id == FAIRVIEW
    assert where("N Main St, Harlan 66012").area_id == HARLAN_NORTH


def test_a_town_that_disagrees_with_the_street_is_left_out():
    # The customer's street says Harlan North; a town elsewhere does not empty the answer.
    assert where("Elm St near Sutter's Crossing").area_id == HARLAN_NORTH


def test_a_street_the_gazetteer_does_not_know_is_reported_but_narrows_nothing():
    result = where("Lights out on Quarry Rd since 8")
    assert [(place.kind, place.written) for place in result.found] == [("street", "Quarry Rd")]
    assert result.area_ids == frozenset() and result.why == "no place in the gazetteer"


def test_each_place_says_why():
    result = where("Power's out on Elm St in Harlan 66012")
    assert [place.why for place in result.found] == ["ZIP 66012", 'street "Elm St"', 'town "Harlan"']
    assert result.why == "1 area(s) from the street, zip, town"


def test_place_keys_read_names_as_people_write_them():
    assert place_key("West 4th Street") == place_key("W 4th St") == "w 4th st"
    assert place_key("County Road 14") == "county rd 14"
    assert place_key("Sutter's Crossing") == "sutters crossing"


@settings(max_examples=200, deadline=None)
@given(
    digits=strategies.text("0123456789", min_size=10, max_size=10),
    shape=strategies.sampled_from(
        ["({0}) {1}-{2}", "{0}-{1}-{2}", "{0}.{1}.{2}", "+1 {0} {1} {2}", "{0}{1}{2}", "1-{0}-{1}-{2}"]
    ),
    account=strategies.text("0123456789", min_size=6, max_size=12),
)
def test_phone_and_account_numbers_never_read_as_zips(digits, shape, account):
    phone = shape.format(digits[:3], digits[3:6], digits[6:])
    text = f"No power. Call me at {phone} or text {digits}; account {account}, acct# {account[:5]}"
    assert not [place for place in find_places(text, GAZETTEER) if place.kind == "zip"]
