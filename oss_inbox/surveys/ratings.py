"""The CSAT scale and the words and payloads that carry a rating. Pure: no database.

A 5-point scale, the usual one for customer satisfaction (CSAT): 5 Very satisfied ... 1 Very
dissatisfied. A customer is *satisfied* when they answer 4 or 5; CSAT is the share of answers
that are satisfied, and the response rate the share of surveys sent that were answered.
"""

import re

RATINGS = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Neither satisfied nor dissatisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}
SATISFIED = (4, 5)
# Messenger quick replies: a title of at most 20 characters (the number first, so it reads on a phone).
SHORT_WORDS = {5: "Very satisfied", 4: "Satisfied", 3: "Neutral", 2: "Dissatisfied", 1: "Very dissatisfied"}
PAYLOAD = re.compile(r"^csat:([A-Za-z0-9_-]{16,64}):([1-5])$")


def is_rating(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in RATINGS


def rating_from(text) -> int | None:
    """A rating typed in a form or a URL ("4"), or None."""
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    return value if value in RATINGS else None


def words(rating: int) -> str:
    return RATINGS[rating]


def quick_reply_title(rating: int) -> str:
    return f"{rating} {SHORT_WORDS[rating]}"


def quick_replies(token: str) -> list[dict]:
    """Messenger's quick replies for a survey, best first: what the customer taps, and the payload
    Messenger sends back with their answer."""
    return [{"title": quick_reply_title(rating), "payload": payload(token, rating)} for rating in RATINGS]


def payload(token: str, rating: int) -> str:
    return f"csat:{token}:{rating}"


def from_payload(value) -> tuple[str, int] | None:
    """(survey token, rating) of a quick reply's payload, or None when it is not one of ours."""
    found = PAYLOAD.match(str(value or ""))
    return (found[1], int(found[2])) if found else None


def from_title(text) -> int | None:
    """The rating whose quick-reply title this is: a poll reads the tapped title, not its payload."""
    wanted = " ".join(str(text or "").split()).casefold()
    return next((rating for rating in RATINGS if quick_reply_title(rating).casefold() == wanted), None)


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None
