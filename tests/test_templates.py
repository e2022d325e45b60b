"""Template comments: Django's {# #} ends on its line; one that runs on shows its words on the page."""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_no_one_line_comment_runs_onto_the_next_line():
    open_ended = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert open_ended == [], "use {% comment %} for comments over several lines"
