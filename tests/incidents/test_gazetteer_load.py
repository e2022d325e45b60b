"""The service-area gazetteer from the utility's CSV: manage.py load_gazetteer and the supervisors'
page. A good file loads; a bad line is said in words and nothing loads; the same file twice changes
nothing; the sample file under fixtures loads whole."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from oss_inbox.incidents.gazetteer import current_gazetteer, gazetteer_load
from oss_inbox.incidents.gazetteer_csv import read_gazetteer
from oss_inbox.incidents.models import Area, Place

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parents[2] / "oss_inbox" / "incidents" / "fixtures" / "gazetteer_sample.csv"
GOOD = """kind,name,aliases,town,areas
town,Harlan,,,Harlan North; Harlan South
zip,66012,,,Harlan North; Harlan South
feeder,Feeder H-11,H11,,Harlan North
neighborhood,Old Town,,Harlan,Harlan North
street,Elm St,Elm Street,Harlan,Harlan North
street,Elm St,,Fairview,Fairview
"""


def load(tmp_path, content):
    path = tmp_path / "gazetteer.csv"
    path.write_text(content, encoding="utf-8")
    out = StringIO()
    call_command("load_gazetteer", str(path), stdout=out)
    return out.getvalue()


def snapshot():
    return sorted(
        (place.kind, place.name, place.town_key, tuple(place.aliases), place.updated_at,
         tuple(sorted(area.name for area in place.areas.all())))
        for place in Place.objects.prefetch_related("areas")
    )  # fmt: skip


def test_a_good_file_loads_its_places_and_areas(tmp_path):
    said = load(tmp_path, GOOD)

    assert "6 place(s) added" in said and "3 new area(s)" in said
    assert sorted(Area.objects.values_list("name", flat=True)) == ["Fairview", "Harlan North", "Harlan South"]
    old_town = Place.objects.get(name="Old Town")
    assert old_town.kind == "neighbourhood" and old_town.town_key == "harlan"
    assert Place.objects.filter(name="Elm St").count() == 2  # one per town
    assert sorted(a.name for a in Place.objects.get(kind="zip").areas.all()) == [
        "Harlan North",
        "Harlan South",
    ]


def test_loading_the_same_file_twice_changes_nothing(tmp_path):
    load(tmp_path, GOOD)
    before = snapshot()

    said = load(tmp_path, GOOD)

    assert said.startswith("0 place(s) added, 0 changed, 6 as in the file; 0 new area(s).")
    assert snapshot() == before
    assert Area.objects.count() == 3


def test_a_changed_line_updates_its_place_and_places_not_in_the_file_are_kept(tmp_path):
    load(tmp_path, GOOD)

    said = load(tmp_path, "kind,name,areas\nfeeder,Feeder H-11,Harlan North; Harlan South\n")

    assert (
        "0 place(s) added, 1 changed" in said
        and "5 place(s) in the gazetteer are not in this file and were kept" in said
    )
    feeder = Place.objects.get(kind="feeder")
    assert sorted(a.name for a in feeder.areas.all()) == ["Harlan North", "Harlan South"]
    assert feeder.aliases == []


def test_bad_lines_are_said_in_words_and_nothing_is_loaded(tmp_path):
    bad = """kind,name,aliases,town,areas
town,Harlan,,,Harlan North
village,Smallville,,,Somewhere
zip,6601,,,Harlan North
street,,,,Harlan North
street,Elm St,,Harlan,
town,harlan,,,Harlan South
"""
    with pytest.raises(CommandError) as refused:
        load(tmp_path, bad)

    said = str(refused.value)
    assert "Nothing was loaded: 5 line(s) need fixing." in said
    assert (
        "Line 3: kind 'village' is not one of town, zip, neighbourhood, street, feeder, substation." in said
    )
    assert "Line 4: ZIP '6601' is not five digits." in said
    assert "Line 5: no name." in said
    assert "Line 6: no area: name the area(s) this place lies in or serves, separated by ';'." in said
    assert "Line 7: the same town as line 2: give each place one line." in said
    assert not Place.objects.exists() and not Area.objects.exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        ("", "The file is empty"),
        ("kind,name,area\n", "Line 1: unknown column 'area'"),
        ("kind,name\ntown,Harlan\n", "Line 1: the header has no areas column."),
        ("kind,name,areas\n", "The file has no places"),
        ("kind,name,areas\ntown,Harlan,Harlan North,extra\n", "more values than the header has columns"),
    ],
)
def test_a_file_that_is_not_a_gazetteer_is_said_so(content, error):
    assert error in " ".join(read_gazetteer(content).errors)


def test_a_missing_file_is_said_in_words():
    with pytest.raises(CommandError, match="There is no file"):
        call_command("load_gazetteer", "/nonexistent/gazetteer.csv")


def test_the_sample_file_loads_whole_and_finds_the_demos_places(tmp_path):
    result = gazetteer_load(SAMPLE.read_text(encoding="utf-8"))

    assert not result.errors and result.created > 150
    gazetteer = current_gazetteer()
    assert "harlan" in gazetteer.by_key and "sutters crossing" in gazetteer.by_key
    assert gazetteer_load(SAMPLE.read_text(encoding="utf-8")).created == 0


def test_supervisors_upload_the_file_on_the_gazetteer_page(client, supervisor):
    client.force_login(supervisor)
    upload = SimpleUploadedFile("gazetteer.csv", GOOD.encode(), content_type="text/csv")

    response = client.post(reverse("incidents:gazetteer_upload"), {"file": upload}, follow=True)

    assert "6 place(s) added" in response.content.decode()
    assert Place.objects.count() == 6
    page = client.get(
        reverse("incidents:gazetteer"), {"message": "Power's out on Elm St in Harlan"}
    ).content.decode()
    assert "Outage report" in page and "Area: Harlan North" in page


def test_a_bad_upload_shows_each_line_and_loads_nothing(client, admin_user):
    client.force_login(admin_user)
    upload = SimpleUploadedFile(
        "gazetteer.csv", b"kind,name,areas\nvillage,Smallville,X\n", content_type="text/csv"
    )

    response = client.post(reverse("incidents:gazetteer_upload"), {"file": upload})

    assert response.status_code == 422
    assert "Line 2: kind &#x27;village&#x27; is not one of" in response.content.decode()
    assert not Place.objects.exists()


def test_agents_cannot_open_the_gazetteer_page(client, agent):
    client.force_login(agent)
    assert client.get(reverse("incidents:gazetteer")).status_code == 403
