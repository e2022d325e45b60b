"""The demo's text bank: what Prairie Electric & Gas customers write and what the team answers.

Templates carry placeholders ({street}, {amount}, {eta}...) filled per ticket from
`ticket_values`, so a few hundred tickets do not repeat each other word for word. Topics live in
topics_power.py, topics_billing.py and topics_service.py; this module holds what is shared: the
Topic shape, the fallbacks every topic can use, the Page posts customers comment on, and how a
text becomes an email. Pure data and functions (no database); bench/generate.py draws on it too.
"""

from dataclasses import dataclass

from .people import STREETS, TOWNS

UTILITY = "Prairie Electric & Gas"
X_USERNAME = "PrairieEGHelp"
X_USER_ID = "1500000000000000001"
PAGE_ID = "104000000000001"
MAILBOX = "help@prairie-eg.example"
EMERGENCY_PHONE = "1-800-555-0199"  # 555-01xx numbers are reserved for fiction
CARE_PHONE = "1-800-555-0142"

ALL_KINDS = ("mention", "dm", "comment", "messenger", "email")
SOCIAL_KINDS = ("mention", "dm", "comment", "messenger")


@dataclass(frozen=True)
class Topic:
    """One kind of request, with the lines each side says as its conversation goes on."""

    key: str
    openings: tuple  # the customer's first message
    first_replies: tuple  # our first answer
    subjects: tuple = ()  # email subject lines
    asks: tuple = ()  # we need something from the customer (ticket goes pending)
    answers: tuple = ()  # the customer supplies it
    updates: tuple = ()  # our later answer: found it, fixed it, scheduled it
    more: tuple = ()  # the customer's follow-up question
    notes: tuple = ()  # internal notes
    thanks: tuple = ()
    closings: tuple = ()
    reopens: tuple = ()  # the problem came back
    kinds: tuple = ALL_KINDS  # the message kinds this request arrives on
    posts: tuple = ()  # Page posts (PAGE_POSTS keys) its Facebook comments are written on
    audience: str = "residential"  # residential | business | key_account
    domains: tuple = ()  # for an organization's own requests: its email domains
    urgent: bool = False  # safety first: never parked as pending
    weight: int = 10


# What any topic may fall back on when it has no line of its own for a step.
GENERIC = {
    "subjects": ("Question about my account", "Customer service request", "Need help please", "Question"),
    "asks": (
        "Happy to look into it. What's the service address and the last 4 digits of the account number?",
        "Could you confirm the service address and the phone number on the account so I can pull it up?",
        "I'll check on this for you. Which address is this for, and is the account in your name?",
    ),
    "answers": (
        "It's {house} {street}, {town}. Account ends in {acct}.",
        "{house} {street} in {town}. Last 4 are {acct}.",
        "Service address is {house} {street}, account in my name, ends {acct}.",
    ),
    "updates": (
        "Thanks, {first}! I found the account and took care of it. You'll see it on your next bill.",
        "All set on our end. Confirmation number is {order} in case you need it.",
        "I've passed this to the right team with order {order}; they'll follow up within 2 business days.",
    ),
    "more": (
        "Any update on this?",
        "Thanks. How long does that usually take?",
        "OK. Will someone let me know when it's done?",
    ),
    "notes": (
        "Verified identity with last 4 of acct ({acct}) and service address.",
        "Checked CIS: account current, no prior contacts on this.",
        "Order {order} created, customer informed.",
    ),
    "thanks": (
        "Thank you! That's all I needed.",
        "Got it, thanks for the quick help.",
        "Perfect, appreciate it!",
        "Thanks {agent}, you've been a big help.",
        "Great, thank you so much.",
    ),
    "closings": (
        "Glad we could help, {first}! Reach out anytime.",
        "You're welcome! Have a great rest of your day.",
        "Anytime! We're here 24/7 if anything else comes up.",
        "Happy to help. Take care!",
    ),
    "reopens": (
        "It's happening again, same problem as before.",
        "Hate to bother you again but this isn't fixed.",
        "Back again — the issue came right back this morning.",
        "Still having the same problem. Can someone take another look?",
    ),
    "nudges": (
        "Hello? Still waiting to hear back on this.",
        "Any update? It's been over a day.",
        "Is anyone monitoring this account? Still no answer from yesterday.",
        "Following up again — still nothing. Can someone please respond?",
        "Still waiting... is this thing on?",
    ),
    "follow_ups": (
        "Hi again, you helped me a while back. ",
        "Me again! ",
        "Writing back on this thread since you were so helpful last time. ",
    ),
    "photo_openings": (
        "My bill was estimated again. Attached is a photo of my meter (number {meter}) showing {kwh} this "
        "morning. Please rebill with the actual read.",
    ),
    "breach_notes": (
        "Past 24h with no reply. {agent}, can you pick this up next?",
        "This one slipped through overnight. Please prioritize.",
        "Customer has nudged twice. Whoever is free, please grab it.",
    ),
    "reassign_notes": (
        "Reassigning: {agent} handled this customer's last request.",
        "Moving to {agent} to balance the queue this afternoon.",
        "{agent} knows the billing side of this better, handing over.",
    ),
}

AUTO_REPLIES = (
    "Thank you for your email. I am out of the office until {day} with limited access to email. "
    "For urgent matters please call my cell.",
    "I'm currently away and will respond when I return on {day}. This is an automated message.",
    "Your message has been received. This mailbox is checked once a week; please allow a few days for a "
    "response.",
)
EMAIL_GREETINGS = (
    "Hello,",
    "Hi,",
    "Hi there,",
    "Good morning,",
    "To whom it may concern,",
    "Hello Prairie Electric,",
)
EMAIL_SIGNOFFS = ("Thanks,", "Thank you,", "Best,", "Regards,", "Sincerely,", "Thanks so much,")

# The Page's own posts that customers comment on.
PAGE_POSTS = {
    "outage_update": (
        "104000000000001_812345600112233",
        "OUTAGE UPDATE 3:40 PM: Crews are repairing a broken pole near Hwy 9 and County Rd 14. About 1,900 "
        "customers in Osage Bend and Elk Ridge are affected. Estimated restoration: 8 PM. Outage map: "
        "prairie-eg.example/outages",
    ),
    "rate_change": (
        "104000000000001_812345600223344",
        "Starting with bills issued next month, residential electric rates change after the State Utility "
        "Commission's decision. For a typical home using 1,000 kWh, that's about $6 a month. Details and "
        "ways to save: prairie-eg.example/rates",
    ),
    "storm_prep": (
        "104000000000001_812345600334455",
        "Severe storms are expected tonight. Charge your phones, keep flashlights handy, and stay at least "
        "35 feet from downed lines. Report outages at prairie-eg.example/outages or text OUT to 55501.",
    ),
    "tree_trimming": (
        "104000000000001_812345600445566",
        "Our contractor Bluestem Tree Care is trimming trees near power lines in Millbrook and Prairie Grove "
        "through the end of the month. Crews will knock before working in backyards. Keeping lines clear "
        "prevents outages!",
    ),
    "gas_safety": (
        "104000000000001_812345600556677",
        "Smell rotten eggs? That's the odor added to natural gas. Leave the area right away, then call 911 "
        f"or our 24/7 gas emergency line at {EMERGENCY_PHONE}. Don't use light switches or phones near the "
        "smell.",
    ),
    "assistance": (
        "104000000000001_812345600667788",
        "Falling behind on your bill? We can help with payment arrangements, budget billing and referrals "
        "to energy assistance. Message us or visit prairie-eg.example/help",
    ),
}


def post_context(key):
    post_id, text = PAGE_POSTS[key]
    return {
        "post_id": post_id,
        "post_text": text,
        "post_url": f"https://www.facebook.com/{PAGE_ID}/posts/{post_id.split('_')[1]}",
    }


TIMES = (
    "6am",
    "5:45 this morning",
    "about 2:30",
    "11pm last night",
    "noon",
    "7:15",
    "around 4",
    "midnight",
    "9:20",
)
# Relative, so that an estimate never lies before the moment it is given.
ETAS = (
    "within 2 hours",
    "within the hour",
    "within 3 hours",
    "by late this evening",
    "within 90 minutes",
    "within 4 hours",
    "by early tomorrow morning",
)
WINDOWS = ("8am–noon", "noon–4pm", "1–5pm", "8am–5pm")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
CREWS = ("Line Crew 7", "Line Crew 12", "Troubleman Unit 3", "Gas Service Unit 5", "Line Crew 21")


def ticket_values(rng, customer, agent_first):
    """Placeholder values for one ticket; every template may use any of them."""
    usual = rng.randrange(85, 210) + rng.randrange(100) / 100
    return {
        "first": customer.first,
        "agent": agent_first,
        "house": customer.house,
        "street": customer.street,
        "town": customer.town,
        "cross": rng.choice([street for street in STREETS if street != customer.street]),
        "other_town": rng.choice(TOWNS),
        "time": rng.choice(TIMES),
        "eta": rng.choice(ETAS),
        "window": rng.choice(WINDOWS),
        "day": rng.choice(DAYS),
        "date": _ordinal(rng.randrange(2, 29)),
        "usual": f"${usual:,.2f}",
        "amount": f"${usual * rng.uniform(1.6, 3.1):,.2f}",
        "acct": f"{rng.randrange(10000):04d}",
        "n": rng.randrange(3, 14),
        "customers": f"{rng.randrange(40, 2400):,}",
        "outage": rng.randrange(240000, 259999),
        "order": f"SO-{rng.randrange(10**6, 10**7)}",
        "meter": rng.randrange(10**7, 10**8),
        "pole": f"P{rng.randrange(10000, 99999)}",
        "kwh": f"{rng.randrange(650, 2600):,}",
        "crew": rng.choice(CREWS),
        "phone": EMERGENCY_PHONE,
        "care": CARE_PHONE,
    }


def _ordinal(day):
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def lines_for(topic, role):
    """The topic's own lines for a step, or the shared fallback."""
    own = getattr(topic, role, ())
    return own or GENERIC.get(role, ())


def pick(rng, topic, role, values):
    return rng.choice(lines_for(topic, role)).format_map(values)


def email_body(rng, text, customer):
    """A customer's message as they would write it in an email."""
    return f"{rng.choice(EMAIL_GREETINGS)}\n\n{text}\n\n{rng.choice(EMAIL_SIGNOFFS)}\n{customer.name}"


def our_email_body(text, first, agent_name):
    return (
        f"Hi {first},\n\n{text}\n\n{agent_name}\nOnline Service & Support | {UTILITY}\n"
        f"24/7 outages and gas emergencies: {EMERGENCY_PHONE}"
    )


def _topics():
    from .topics_billing import TOPICS as billing
    from .topics_power import TOPICS as power
    from .topics_service import TOPICS as service

    return power + billing + service


TOPICS = _topics()
TOPICS_BY_KEY = {topic.key: topic for topic in TOPICS}


def sample_texts(rng, customers, count):
    """`count` filled texts of each sort, for generators that need volume rather than stories."""
    inbound_roles = ("openings", "openings", "answers", "more", "thanks")
    outbound_roles = ("first_replies", "updates", "asks", "closings")
    samples = {"inbound": [], "outbound": [], "notes": [], "subjects": []}
    for _ in range(count):
        topic = rng.choice(TOPICS)
        values = ticket_values(rng, rng.choice(customers), "Dana")
        samples["inbound"].append(pick(rng, topic, rng.choice(inbound_roles), values))
        samples["outbound"].append(pick(rng, topic, rng.choice(outbound_roles), values))
        samples["notes"].append(pick(rng, topic, "notes", values))
        samples["subjects"].append(pick(rng, topic, "subjects", values))
    return samples
