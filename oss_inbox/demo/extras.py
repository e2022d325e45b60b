"""What the demo's stories do not make themselves: the team's canned responses and tags on the tickets."""

from oss_inbox.inbox.models import CannedResponse
from oss_inbox.tickets.services import tickets_tag_history

CANNED = {
    "Outage: crews on site": (
        "",
        "Hi {{customer.first_name}}, crews are on site and expect to restore power within 3 hours. "
        "We'll update you here. – {{agent.first_name}} (ref #{{ticket.id}})",
    ),
    "Outage: report it": (
        "",
        "Hi {{customer.first_name}}, sorry you're without power. Could you send us the service address? "
        "We'll add it to the outage report straight away. – {{agent.first_name}}",
    ),
    "Billing: meter photo": (
        "",
        "Hello {{customer.first_name}}, could you send us a photo of your meter showing the reading? "
        "We'll check the bill against it. – {{agent.first_name}}",
    ),
    "Billing: payment plan": (
        "email",
        "Dear {{customer.first_name}},\n\nWe can spread the balance over up to 12 months. Reply to this "
        "email with the account number and we'll set it up.\n\nKind regards,\n{{agent.first_name}}\n"
        "Prairie Electric & Gas (ref #{{ticket.id}})",
    ),
    "Move to DM": (
        "twitter",
        "Hi {{customer.first_name}}, we've sent you a DM so we can look up your account privately. "
        "^{{agent.first_name}}",
    ),
}

# Offered first while storm mode is on (CannedResponse.storm): what a storm night's answers need.
STORM_CANNED = {
    "Storm: outage map": (
        "",
        "Hi {{customer.first_name}}, a storm has left many customers without power tonight. You can follow "
        "crews and restoration times for your street on our outage map. – {{agent.first_name}}",
    ),
    "Storm: crews working": (
        "",
        "Hi {{customer.first_name}}, thank you for letting us know. Crews are working through the storm "
        "damage in your area; we'll post here as soon as we have a restoration time. – {{agent.first_name}} "
        "(ref #{{ticket.id}})",
    ),
    "Storm: stay safe": (
        "",
        "Hi {{customer.first_name}}, please stay at least 35 feet from any downed line and assume it is "
        "live. If you see one, call 911 and then us. – {{agent.first_name}}",
    ),
}

# A tag for each topic the customers write about, found in the first message of the ticket.
TOPIC_TAGS = {
    "outage": ("outage", "power", "lights", "restor", "storm"),
    "billing": ("bill", "payment", "charge", "estimat"),
    "meter": ("meter",),
    "solar": ("solar", "net meter", "interconnection"),
}


def ensure_canned_responses():
    for storm, responses in ((False, CANNED), (True, STORM_CANNED)):
        for name, (channel_kind, text) in responses.items():
            CannedResponse.objects.get_or_create(
                name=name, defaults={"text": text, "channel_kind": channel_kind, "storm": storm}
            )


def tag_by_topic(tickets):
    """Tag the tickets by the words of their first message: history, so no timeline events."""
    names_by_ticket = {}
    for ticket_id, first_text in _first_texts(tickets):
        text = (first_text or "").lower()
        names_by_ticket[ticket_id] = [
            name for name, words in TOPIC_TAGS.items() if any(word in text for word in words)
        ]
    tickets_tag_history(names_by_ticket)


def _first_texts(tickets):
    first = {}
    for ticket_id, text in (
        tickets.filter(messages__direction="inbound")
        .order_by("messages__id")
        .values_list("pk", "messages__text")
    ):
        first.setdefault(ticket_id, text)
    return first.items()
