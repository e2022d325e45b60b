"""The outage detector on real-looking English and Spanish messages, and the near misses it must leave
alone: a bill, power steering, an outage map asked for, power that is back."""

import pytest

from oss_inbox.incidents.outage import detect_outage

REPORTS = [
    ("Power's out on Elm St, when is it coming back?", "Power's out"),
    ("Our whole block on Maple Ave in Harlan just lost power. Is this a known outage?", "lost power"),
    ("No power at 412 Birch St since 6:40pm. Neighbors across the street have lights, we don't.", "No power"),
    (
        "Lights went out with a loud pop around 7. Elm St & Ash St, Harlan. Is a crew coming?",
        "Lights went out",
    ),
    ("Been without power for 4 hours now on Walnut St. Freezer full of food, any update?", "without power"),
    ("Is there an outage in Kessler? Half of Grand Ave went dark.", "outage"),
    ("we don't have power at all here in 66012", "don't have power"),
    ("power went out again!!! 3rd time this week", "power went out"),
    (
        "Outage map says 300 out in Harlan but no restoration time. When can we expect power back?",
        "When can we expect power back",
    ),
    ("Power came back on at 6 but went out again at 8", "Power came back on at 6 but went out"),
    ("Power out since 3. When will it be back on?", "Power out"),
    ("BLACKOUT on the whole east side of Fairview", "BLACKOUT"),
    ("Se fue la luz en la calle Maple, Harlan. ¿Saben cuándo vuelve?", "fue la luz"),
    ("Sin luz desde las 3 de la tarde en Cedar Mill", "Sin luz"),
    ("Apagón en todo Osage Bend 😩", "Apagón"),
    ("No tenemos luz en el 66040 desde anoche", "No tenemos luz"),
    ("Hay un corte de luz en Red Oak?", "corte de luz"),
    (
        "After last night's storm we're still out on Birch St. Any idea when Harlan will be restored?",
        "still out",
    ),
    ("Storm knocked out power to most of Red Oak. Can you give us an update?", "knocked out power"),
    ("Heard a boom and now nothing. Ash St near Elm St. Transformer?", "boom and now nothing"),
    ("Dad's oxygen concentrator is on battery and we've been out since 11pm last night.", "been out since"),
]

NOT_REPORTS = [
    "My power bill doubled this month, why?",
    "lol no power steering in my truck either, rough week",
    "Do you have an outage map link?",
    "Is there a planned outage next week on Elm St?",
    "Power is back, thanks for the quick work!",
    "Power went out at 6 but it's back now, thanks",
    "Ya volvió la luz, gracias!",
    "Se fue la luz a las 5, ya regresó. Gracias",
    "Not an outage, just my breaker tripped. All good.",
    "Internet outage again, are you the cable company?",
    "Blackout Friday deals on smart thermostats?",
    "when the power came back we had a surge and the fridge died, who do I talk to about a claim?",
    "Can I set up a payment plan?",
    # The demo's other topics that came close: a threat, a move, flicker, a streetlight, a question.
    "Got a call saying my power would be cut off in an hour unless I paid with a gift card. Was that you?",
    "Bought a house in Lone Tree. Seller says power shuts off the day we close. Can you start service then?",
    "Lights have been flickering on and off all evening at our house on Ash St.",
    "Every light on our side of Ash St is flickering, neighbors too.",  # "of" is no "off"
    "The streetlight in front of 412 Quail Run has been out for two weeks.",
    "My husband is on oxygen. How do we get on the priority list for outages?",
]


@pytest.mark.parametrize(("text", "matched"), REPORTS)
def test_an_outage_report_is_found_with_the_customers_words(text, matched):
    found = detect_outage(text)

    assert found is not None, text
    assert found.matched == matched
    assert "power outage" in found.why


@pytest.mark.parametrize("text", NOT_REPORTS)
def test_a_near_miss_is_no_outage_report(text):
    assert detect_outage(text) is None


def test_the_detection_says_the_language():
    assert detect_outage("Se fue la luz en toda la calle").language == "es"
    assert detect_outage("Power's out on Elm St").language == "en"


def test_quoted_earlier_messages_do_not_count():
    reply = (
        "Thanks, all good now.\n\nOn Mon, Dec 7, 2026 at 6:40 PM Prairie Energy wrote:\n> Is your power out?"
    )
    assert detect_outage(reply) is None
