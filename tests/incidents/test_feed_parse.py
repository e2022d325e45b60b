"""Reading an outage feed: JSON and CSV as vendors publish them, ETRs in every usual form, and junk
refused in words."""

import json
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from oss_inbox.incidents.feed import incident_status, parse_etr, parse_feed

CHICAGO = ZoneInfo("America/Chicago")


def _json(document):
    return json.dumps(document).encode()


def test_a_plain_json_list_with_camel_case_names():
    body = _json(
        [
            {
                "id": "OUT-1",
                "area": "Harlan North",
                "customersOut": 1200,
                "cause": "Wind",
                "etr": "2026-12-07T20:30:00Z",
                "status": "Crew dispatched",
            },
            {"id": "OUT-2", "region": "Fairview South", "customers_affected": "1,045", "ETR": None},
        ]
    )
    reading = parse_feed(body, "application/json")
    assert reading.error == "" and reading.problems == []
    first, second = reading.rows
    assert (first.key, first.area_name, first.customers_out, first.cause) == (
        "OUT-1",
        "Harlan North",
        1200,
        "Wind",
    )
    assert first.etr == datetime(2026, 12, 7, 20, 30, tzinfo=UTC)
    assert first.status == "Crew dispatched"
    assert (second.area_name, second.customers_out, second.etr) == ("Fairview South", 1045, None)


def test_arcgis_attributes_with_epoch_milliseconds_and_kubra_counts():
    arcgis = {
        "features": [
            {
                "attributes": {
                    "OBJECTID": 7,
                    "NAME": "Kessler North",
                    "CUSTOMERS_OUT": 88,
                    "ETR": 1765161000000,
                }
            }
        ]
    }
    kubra = {"file_data": {"areas": [{"name": "Red Oak", "cust_a": {"val": 310}, "etr": "ETR-NULL"}]}}
    (row,) = parse_feed(_json(arcgis), "application/json").rows
    assert (row.key, row.area_name, row.customers_out) == ("7", "Kessler North", 88)
    assert row.etr == datetime.fromtimestamp(1765161000, tz=UTC)
    (row,) = parse_feed(_json(kubra), "text/plain").rows
    assert (row.area_name, row.customers_out, row.etr) == ("Red Oak", 310, None)  # Kubra's "no ETR yet"


def test_geojson_properties_and_a_key_under_outages():
    geojson = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"area": "Elk Ridge North", "out": 5}}],
    }
    (row,) = parse_feed(_json(geojson)).rows
    assert (row.key, row.customers_out) == ("Elk Ridge North", 5)  # no id: the area is the key
    (row,) = parse_feed(_json({"updated": "now", "outages": [{"area": "Millbrook", "etr": 1765161000}]})).rows
    assert row.etr == datetime.fromtimestamp(1765161000, tz=UTC)  # epoch seconds


def test_csv_with_its_own_header_names_and_semicolons():
    body = (
        b"Outage ID;Area Name;Customers Affected;Cause;Estimated Restoration;Status\n"
        b"A1;Harlan South (Feeder H-12);350;Tree on line;2026-12-07 20:30;Crews working\n"
        b"A2;Lone Tree;12;;;Investigating\n"
    )
    first, second = parse_feed(body, "text/csv", tz=CHICAGO).rows
    assert first.area_name == "Harlan South (Feeder H-12)" and first.cause == "Tree on line"
    # Written without an offset: the utility's time (8:30 PM in Chicago is 2:30 AM UTC).
    assert first.etr == datetime(2026, 12, 7, 20, 30, tzinfo=CHICAGO)
    assert first.etr.astimezone(UTC) == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    assert (second.key, second.customers_out, second.etr, second.status) == ("A2", 12, None, "Investigating")


def test_a_row_it_cannot_read_is_named_and_the_rest_still_count():
    body = _json(
        [
            {"area": "Harlan North", "customers_out": 10},
            {"customers_out": 40},
            {"area": "Fairview North", "customers_out": "lots"},
            "junk",
            {"area": "Kessler South", "customers_out": 3},
        ]
    )
    reading = parse_feed(body)
    assert [row.area_name for row in reading.rows] == ["Harlan North", "Kessler South"]
    assert reading.problems[0].startswith("Row 2: no area (looked for area,")
    assert reading.problems[1] == "Row 3 (Fairview North): customers out 'lots' is not a number."
    assert reading.problems[2].startswith("Row 4: not a record with fields but str 'junk'")
    assert reading.summary.startswith("3 row(s) could not be read: Row 2: no area")


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"", "application/json", "The feed answered nothing"),
        (b"<html><body>Please sign in</body></html>", "text/html", "a web page (HTML or XML)"),
        (b'{"outages": [', "application/json", "The feed is not valid JSON"),
        (b'{"message": "ok"}', "application/json", "The JSON holds no list of outages"),
        (b"when,what\n1,2\n", "text/csv", "The CSV has no area column"),
    ],
)
def test_junk_is_refused_whole_in_words(body, content_type, words):
    reading = parse_feed(body, content_type)
    assert reading.rows == [] and words in reading.error
    assert reading.summary == reading.error


def test_one_areas_outages_listed_one_by_one_add_up():
    body = _json(
        [
            {"area": "Harlan North", "customers_out": 100, "etr": "2026-12-07T20:00:00-06:00"},
            {"area": "Harlan North", "customers_out": 50, "etr": "2026-12-07T22:00:00-06:00"},
        ]
    )
    (row,) = parse_feed(body).rows
    assert row.customers_out == 150
    assert row.etr == datetime(2026, 12, 7, 22, tzinfo=timezone(timedelta(hours=-6)))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-07T20:30:00-06:00", datetime(2026, 12, 8, 2, 30, tzinfo=UTC)),
        ("2026-12-07T20:30Z", datetime(2026, 12, 7, 20, 30, tzinfo=UTC)),
        (1765139400000, datetime(2025, 12, 7, 20, 30, tzinfo=UTC)),  # epoch ms
        ("1765139400", datetime(2025, 12, 7, 20, 30, tzinfo=UTC)),  # epoch seconds, as text
        ("/Date(1765139400000)/", datetime(2025, 12, 7, 20, 30, tzinfo=UTC)),
        ("12/07/2026 08:30 PM", datetime(2026, 12, 8, 2, 30, tzinfo=UTC)),  # Chicago, no offset
        ("TBD", None),
        ("Assessing", None),
        (None, None),
    ],
)
def test_etrs_as_feeds_write_them(value, expected):
    assert parse_etr(value, CHICAGO) == expected


def test_an_etr_that_is_no_time_says_so():
    with pytest.raises(ValueError, match="ETR 'after lunch' is not a time"):
        parse_etr("after lunch")


@pytest.mark.parametrize(
    ("words", "status"),
    [
        ("Crew Dispatched", "crews_working"),
        ("CREW_ON_SITE", "crews_working"),
        ("Repairs in progress", "crews_working"),
        ("Restored", "restored"),
        ("power restored", "restored"),
        ("Unassigned", "investigating"),
        ("Under review", "investigating"),
        ("", None),
        ("KS", None),
    ],
)
def test_feed_status_words_read_as_an_incident_status(words, status):
    assert incident_status(words) == status
