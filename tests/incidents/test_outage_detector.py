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


# Typed on a phone in the dark: one letter dropped, added, changed or two swapped in an outage word.
TYPO_REPORTS = [
    ("Powr out at Elm St. Any ETA?", "Powr out", "Powr", "power"),
    ("Outae in Millrace?? Just heard a transformer blow", "Outae", "Outae", "outage"),
    ("The pwoer is out on Elm St in Fairview", "pwoer is out", "pwoer", "power"),
    ("oPwer out at Quail Run. Any ETA?", "oPwer out", "oPwer", "power"),
    ("no piwer here, is this the storm?", "no piwer", "piwer", "power"),  # i is next to o
    ("outtage on Grand Ave since 5", "outtage", "outtage", "outage"),
    ("Lihts went out during the storm.", "Lihts went out", "Lihts", "lights"),
    ("We have no elecrticity on Pawnee Dr", "no elecrticity", "elecrticity", "electricity"),
    ("Been wtihout power for 3 hours now", "wtihout power", "wtihout", "without"),
    ("Apgaón en Osage Bend", "Apgaón", "Apgaón", "apagon"),
    ("Update please, stil out.", "stil out", "stil", "still"),
    ("Any news? Still adrk here.", "Still adrk", "adrk", "dark"),
    ("Any news? Still daark here.", "Still daark", "daark", "dark"),
]
# A second message of a report, with no outage word of its own.
STILL_REPORTS = [
    ("Any news? Still dark here.", "Still dark"),
    ("Still dark on Elm St, any update?", "Still dark"),
    ("It's been hours. Still out on Birch St.", "Still out"),
    ("still no lights here in Harlan", "no lights"),
]
# One slip away from an outage word, but a word of its own; or dark that is the night's.
LOOKALIKES = [
    "no powr steering in my truck either, rough week",
    "Can you send me a powder-coated meter box?",
    "Who is the poser on your Facebook page?",
    "The outrage over the rate hike is justified.",
    "Do you sell a lighter for the grill?",
    "Threw a dart at the board and hit the porch light",
    "The window sill near our meter is rotting",
    "Lot of people at the meeting about the rate hike",
    "It's still dark outside when my bus comes at 6, is the tree crew coming today?",
    "It's still dark out when I leave for work, can you fix the streetlight on Elm?",
    "It's getting dark earlier, can I change my billing date?",
]


@pytest.mark.parametrize(("text", "matched", "typed", "word"), TYPO_REPORTS)
def test_an_outage_word_typed_with_one_slip_is_read(text, matched, typed, word):
    found = detect_outage(text)

    assert found is not None, text
    assert found.matched == matched  # the customer's own words, as they typed them
    assert f'read "{typed}" as "{word}"' in found.why


@pytest.mark.parametrize(("text", "matched"), STILL_REPORTS)
def test_still_dark_or_out_is_an_outage_report(text, matched):
    found = detect_outage(text)

    assert found is not None, text
    assert found.matched == matched


@pytest.mark.parametrize("text", LOOKALIKES)
def test_a_word_one_slip_from_an_outage_word_is_not_read_as_it(text):
    assert detect_outage(text) is None


def test_a_word_typed_right_says_nothing_of_slips():
    assert ' as "' not in detect_outage("Still no power on Elm St, still dark").why


def test_the_customers_words_are_shown_after_accents_and_other_slips():
    found = detect_outage("Señor, our pwoer is out on Elm St and the lihgts in the whole block")

    assert found.matched == "pwoer is out"
    assert found.why.endswith('read "pwoer" as "power"')  # only the slips of the words it matched
