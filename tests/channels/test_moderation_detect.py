"""The moderation detector on real-looking public comments, and on the near-misses it must leave alone:
dates, amounts, outage counts, ZIP codes, the last four digits agents ask for, streets without a house."""

import pytest

from channels.moderation.detect import find, find_all, words_of


def matched(text, finds, words=()):
    return [finding.matched(text) for finding in find_all(text, finds, words)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("My account number is 330122458790, why is my bill $412?", "330122458790"),
        ("acct 3301 2245 8790 — please check the meter reading", "3301 2245 8790"),
        ("Account #: 3301-224587-90. Still no power on our street", "3301-224587-90"),
        ("Autopay failed again on 33012245879, third month in a row", "33012245879"),
        ("Here it is 3301 2245 87 thanks", "3301 2245 87"),
        ("account no. 2175550142 (yes it looks like a phone number)", "2175550142"),
    ],
)
def test_account_numbers_are_found_written_together_or_in_groups(text, number):
    assert matched(text, "account_number") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Account ends in 4821, service address on file",  # the last four, as our agents ask for them
        "Outage since 2026-12-07 14:02, nearly 12,400 customers out in 62701",  # date, count, ZIP
        "Bill went from $1,234.56 to $2,345.67 between 12/07/2026 and 01/07/2027",  # amounts, dates
        "ZIP 62701-4411, reported at 10:30 and again at 11:45",  # ZIP+4, times
        "Call me at 217-555-0142",  # a phone number, which the phone rule finds
        "Our meters 62701 62702 both read zero",  # two numbers side by side
        "See https://x.com/PrairieEGHelp/status/1865432109876543210 and @user2175550142",  # ids in links
        "Order 12345678901234567 shipped",  # longer than an account number
        "Paid 1,200,000,000 dollars? no way",
    ],
)
def test_account_number_near_misses_are_left_alone(text):
    assert find(text, "account_number") is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call me back at (217) 555-0142 please", "(217) 555-0142"),
        ("my cell 217.555.0142", "217.555.0142"),
        ("Text +1 217 555 0142 when the crew is coming", "+1 217 555 0142"),
        ("reach me on 1-217-555-0142", "1-217-555-0142"),
        ("2175550142 is my number", "2175550142"),
        ("call 555-0142 after 5", "555-0142"),
    ],
)
def test_us_phone_numbers_are_found_in_their_usual_shapes(text, number):
    assert matched(text, "phone") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "I called 1-800-555-0199 and waited an hour",  # toll-free: a business's number, likely ours
        "Outage since 2026-12-07, about 12,400 customers out",
        "Bill is $217.55 this month, was $155.01",
        "ZIP 62701-4411 has been dark for 3 hours",
        "Account 330122458790",  # an account number: 330-122... has no valid exchange
        "Trouble ticket 555-0142",  # seven digits without a word saying it is a phone number
        "Tweet https://x.com/a/status/2175550142 and @user2175550142",
    ],
)
def test_phone_number_near_misses_are_left_alone(text):
    assert find(text, "phone") is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Power out at 412 N Elm St since 6", "412 N Elm St"),
        ("Our home 1208 West Lincoln Avenue has no gas", "1208 West Lincoln Avenue"),
        ("meter at 77 3rd Ave is sparking", "77 3rd Ave"),
        ("send the check to PO Box 4471 please", "PO Box 4471"),
        ("lights flicker at 9 martin luther king dr.", "9 martin luther king dr."),
    ],
)
def test_street_addresses_are_found(text, address):
    assert matched(text, "address") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Power out on Elm St since 6",  # a street, nobody's home
        "2 poles down on Oak Ave, wires on the road",
        "It's a 20 minute drive to the nearest open store",
        "Around 40 homes on Maple Dr are dark",
        "Crews at the 1400 block of Main St",
        "Still out after 3 hours, 5th Ave too",
    ],
)
def test_address_near_misses_are_left_alone(text):
    assert find(text, "address") is None


def test_profanity_is_found_as_whole_words_also_spelt_with_symbols():
    assert matched("This is f*cking ridiculous, 3 days!", "profanity") == ["f*cking"]
    assert matched("what a load of BULLSHIT", "profanity") == ["BULLSHIT"]
    assert matched("sh!tty service", "profanity") == ["sh!tty"]
    for clean in ("Scunthorpe class cocktail assessment", "damn this storm, hell of a night", "shiitake"):
        assert find(clean, "profanity") is None


def test_a_profanity_rule_adds_its_own_words_to_the_list():
    assert matched("you clowns, total muppets", "profanity", ["muppet"]) == ["muppets"]


def test_listed_words_match_whole_words_in_any_case_and_spacing():
    words = words_of("class action\n\n  lawyer  \n")
    assert words == ["class action", "lawyer"]
    assert matched("Time for a CLASS   action suit, my Lawyer agrees", "words", words) == [
        "CLASS   action",
        "Lawyer",
    ]
    assert find("classy actions by lawyers", "words", words) is None


def test_a_finding_says_why_without_the_personal_data():
    text = "acct 330122458790"
    finding = find(text, "account_number")
    assert finding.why == "a 12-digit number after the word “account”"
    assert "330122458790" not in repr(finding) and "330122458790" not in finding.why
    assert finding.matched(text) == "330122458790"
