"""The demo world for `make run`: the team, Prairie Electric & Gas's channels, and a month of tickets.

Users, accounts and organizations are created once and found by name afterwards. Tickets are
built as stories (stories.py) played through ingest and the ticket services (scenes.py), so their
threading, timelines and SLA fields are what the real code makes of real traffic.
"""

import random
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from channels.models import ChannelAccount
from oss_inbox.cached import forget_now
from oss_inbox.safety.models import OnCall
from oss_inbox.sla.channel_schedules import schedule_for_channel
from oss_inbox.staff.models import Notification
from oss_inbox.staff.notifications import UNREAD_KEY
from oss_inbox.staff.roles import ADMIN, AGENT, SUPERVISOR
from oss_inbox.tickets.models import Message, Organization, OrganizationDomain, Ticket
from oss_inbox.tickets.services import reply_record_delivered

from . import content, extras, key_accounts
from .conversations import CONVERSATIONS, FAMILY, ChannelIds
from .people import KEY_ACCOUNT_MANAGERS, TEAM, make_customers, role_words
from .scenes import Cast, DemoError, Scene
from .stories import plan, timeline

DEMO_SEED = 2025
CUSTOMERS_AT_LEAST = 150
# X DMs and Messenger have one conversation per customer: each customer tells one story there,
# or two stories would play out on the same ticket.
ONE_STORY_KINDS = ("dm", "messenger")
# Every so many stories is a key account's own request (their topics are rare in the everyday mix,
# and the key-account pages need a history to show).
KEY_ACCOUNT_EVERY = 12
# Share of tickets per message kind: X mentions, X DMs, Facebook comments, Messenger, email.
KIND_SHARES = (("mention", 35), ("dm", 10), ("comment", 20), ("messenger", 10), ("email", 25))

ACCOUNTS = {
    "twitter": {
        "name": f"X @{content.X_USERNAME}",
        "self_external_id": content.X_USER_ID,
        "settings": {"username": content.X_USERNAME},
    },
    "facebook": {
        "name": f"Facebook: {content.UTILITY}",
        "self_external_id": content.PAGE_ID,
        "settings": {"page_id": content.PAGE_ID},
    },
    "email": {
        "name": f"Email {content.MAILBOX}",
        "self_external_id": content.MAILBOX,
        "settings": {"address": content.MAILBOX},
    },
}
# (name, key account, email domain); a hospital depends on power for its patients' lives.
CRITICAL_CARE = {"St. Brigid Regional Hospital"}
ORGANIZATIONS = (
    ("St. Brigid Regional Hospital", True, "stbrigid-health.example"),
    ("Prairie State University", True, "prairiestate.example"),
    ("Cedar Mill Packaging", True, "cedarmill.example"),
    ("Northgate Data Centre", True, "northgate-dc.example"),
    ("Harlan Feed & Supply", False, "harlanfeed.example"),
    ("Osage Bend Dental", False, "osagebenddental.example"),
)


def ensure_users():
    """Create the team members who do not exist yet; return (user, role, password) for each new one.
    The supervisor is on call for safety reports outside coverage hours."""
    User = get_user_model()
    created = []
    for username, first_name, last_name, role in TEAM:
        if User.objects.filter(username=username).exists():
            continue
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user(
            username,
            email=f"{username}@prairie-eg.example",
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=role == ADMIN,
            is_superuser=role == ADMIN,
        )
        user.groups.add(Group.objects.get(name=role))
        if role == SUPERVISOR:  # safety reports at night reach someone: the supervisor is on call
            OnCall.objects.get_or_create(user=user)
        created.append((user, role_words(username, role), password))
    return created


def ensure_accounts():
    accounts = {}
    for kind, details in ACCOUNTS.items():
        defaults = {"kind": kind, **{key: value for key, value in details.items() if key != "name"}}
        defaults["coverage_schedule"] = schedule_for_channel(kind)  # email on the Email schedule
        accounts[kind], _ = ChannelAccount.objects.get_or_create(name=details["name"], defaults=defaults)
    return accounts


def ensure_organizations():
    for name, is_key_account, domain in ORGANIZATIONS:
        organization, _ = Organization.objects.get_or_create(
            name=name, defaults={"is_key_account": is_key_account, "critical_care": name in CRITICAL_CARE}
        )
        OrganizationDomain.objects.get_or_create(domain=domain, defaults={"organization": organization})


def demo_data_exists():
    names = [details["name"] for details in ACCOUNTS.values()]
    return Ticket.objects.filter(account__name__in=names).exists()


def build_tickets(count, *, seed=DEMO_SEED):
    """Create the channel accounts, the organizations and `count` tickets; return the ticket count.

    1. Draw the stories: a shape (new, pending, resolved, follow-up...), a channel, a topic, a
       customer and an agent for each; and the moment of every step.
    2. Play them oldest first, so that ticket numbers grow with time as they would in production.
    3. The out-of-hours acknowledgements and safety advice the history queued went out at the time:
       record them sent; its notifications were read at the time.
    4. The key accounts' plans, quarterly updates and notices (demo/key_accounts.py).
    5. The team's canned responses, and tags on the tickets by topic (demo/extras.py).
    """
    rng = random.Random(seed)
    now = timezone.now()  # read before any step patches the clock
    accounts = ensure_accounts()
    ensure_organizations()
    key_accounts.ensure_key_accounts()  # before the tickets: theirs are routed to the account managers
    cast = _cast(rng)
    customers = make_customers(rng, max(CUSTOMERS_AT_LEAST, count // 2))
    director = _Director(rng, cast, accounts, customers, now)
    shapes = plan(rng, count)
    stories = [
        director.story(shape, key_account=index % KEY_ACCOUNT_EVERY == 1)
        for index, shape in enumerate(shapes)
    ]
    stories.sort(key=lambda story: story[0][0][1])
    for steps, scene in stories:
        for step, moment in steps:
            scene.perform(step.action, step.argument, moment)
    _deliver_history_acknowledgements(accounts.values())
    # The history's escalations were seen at the time; today's arrive unread.
    Notification.objects.filter(created_at__lte=now, read_at__isnull=True).update(read_at=now)
    forget_now(UNREAD_KEY)  # the top bar's counts (a queryset update sends no signal)
    key_accounts.build_account_history(now, accounts["email"])
    extras.ensure_canned_responses()
    extras.tag_by_topic(Ticket.objects.filter(account__in=accounts.values()))
    return Ticket.objects.filter(account__in=accounts.values()).count()


def _deliver_history_acknowledgements(accounts):
    queued = Message.objects.filter(
        account__in=accounts, is_automatic=True, delivery_state=Message.Delivery.QUEUED
    )
    for message_id in queued.values_list("pk", flat=True):
        reply_record_delivered(message_id, external_id=f"demo-ack-{message_id}")


def _cast(rng):
    User = get_user_model()
    team = {user.username: user for user in User.objects.filter(username__in=[member[0] for member in TEAM])}
    missing = [member[0] for member in TEAM if member[0] not in team]
    if missing:
        raise DemoError(f"The demo team is incomplete (missing: {', '.join(missing)}).")
    agents = [
        team[username]
        for username, *_, role in TEAM
        if role == AGENT and username not in KEY_ACCOUNT_MANAGERS  # they answer their accounts only
    ]
    supervisor = next(team[username] for username, *_, role in TEAM if role == SUPERVISOR)
    return Cast(rng=rng, ids=ChannelIds(rng), agents=agents, supervisor=supervisor)


class _Director:
    """Casts each story: which channel, what about, who writes and who answers."""

    def __init__(self, rng, cast, accounts, customers, now):
        self.rng, self.cast, self.accounts, self.now = rng, cast, accounts, now
        self.customers = {}
        for customer in customers:
            family = customer.home if customer.audience == "residential" else "email"
            self.customers.setdefault((customer.audience, family), []).append(customer)
        self.unused = {
            kind: self._shuffled(self.customers[("residential", FAMILY[kind])]) for kind in ONE_STORY_KINDS
        }
        rules = OrganizationDomain.objects.filter(organization__is_key_account=True).exclude(
            organization__account_manager=None
        )
        rules = rules.select_related("organization__account_manager")
        self.managers = {rule.domain: rule.organization.account_manager for rule in rules}

    def _shuffled(self, customers):
        customers = list(customers)
        self.rng.shuffle(customers)
        return customers

    def story(self, shape, *, key_account=False):
        kind, topic = self._request(shape, "key_account" if key_account else None)
        customer = self._customer(kind, topic)
        agent = self.rng.choice(self.cast.agents)
        # A key account's ticket arrives assigned to its account manager, who answers it.
        agent = self.managers.get(customer.email.split("@")[1], agent) if topic.domains else agent
        values = content.ticket_values(self.rng, customer, agent.first_name)
        conversation = CONVERSATIONS[kind](
            self.cast.ids,
            self.accounts[FAMILY[kind]],
            customer,
            subject=content.pick(self.rng, topic, "subjects", values) if kind == "email" else "",
            post=self.rng.choice(topic.posts) if kind == "comment" else None,
        )
        scene = Scene(self.cast, conversation, topic, values, agent)
        return timeline(self.rng, shape, self.now, urgent=topic.urgent), scene

    def _customer(self, kind, topic):
        if kind in ONE_STORY_KINDS:
            return self.unused[kind].pop()
        customers = self.customers[(topic.audience, FAMILY[kind])]
        if topic.domains:  # an organization's own request comes from its own staff
            customers = [customer for customer in customers if customer.email.split("@")[1] in topic.domains]
        return self.rng.choice(customers)

    def _request(self, shape, audience=None):
        """A channel by its share of traffic, then a topic that fits both the channel and the shape.

        With an audience, a topic of that audience if the shape allows one (else any topic).
        """
        kinds, shares = zip(
            *[
                (kind, share)
                for kind, share in KIND_SHARES
                if kind in shape.kinds and self.unused.get(kind, True)
            ],
            strict=True,
        )
        wanted = [topic for topic in content.TOPICS if topic.audience == audience]
        for pool in ([wanted] if wanted else []) + [content.TOPICS]:
            for _ in range(50):
                kind = self.rng.choices(kinds, shares)[0]
                topics = [topic for topic in pool if shape.accepts(topic, kind)]
                if topics:
                    return kind, self.rng.choices(topics, [topic.weight for topic in topics])[0]
        raise ValueError(f"No topic fits the story shape {shape.name}.")
