"""The budget and health console's reads (templates/channels/console.html): per account, its
webhooks' health, its rate-limit state, its API calls per day for the last week, the X spend they
would cost at X's published prices, and the time left on its access token.

Two queries in all: the accounts, and a week of ApiUsage rows. The spend arithmetic is pure.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from .models import ApiUsage, ChannelAccount, ChannelKind

DAYS = 7
# The sparkline (an inline SVG, geometry as attributes: the Content-Security-Policy refuses inline
# styles): one bar a day, SPARK_STEP apart, the busiest day SPARK_HEIGHT tall.
SPARK_HEIGHT, SPARK_STEP = 32, 20
BILLED_KINDS = {ChannelKind.TWITTER}  # Meta does not bill API calls
BILLED_COUNTS = ["posts_read", "dm_events_read", "posts_written", "posts_with_url"]  # x_spend's
# Mail servers have no API budget: their calls are not counted (channels/usage.py hooks HTTP clients).
UNCOUNTED_KINDS = {ChannelKind.EMAIL}
# What costs money first, then the other API channels, then mail.
KIND_ORDER = [ChannelKind.TWITTER, ChannelKind.FACEBOOK, ChannelKind.INSTAGRAM, ChannelKind.EMAIL]


@dataclass(frozen=True)
class XPrices:
    """X's pay-per-use prices in US dollars (settings.X_PRICE_*; their source is beside them)."""

    post_read: Decimal
    post_create: Decimal
    post_create_with_url: Decimal
    dm_event_read: Decimal

    @classmethod
    def from_settings(cls):
        return cls(
            post_read=settings.X_PRICE_POST_READ,
            post_create=settings.X_PRICE_POST_CREATE,
            post_create_with_url=settings.X_PRICE_POST_CREATE_WITH_URL,
            dm_event_read=settings.X_PRICE_DM_EVENT_READ,
        )


def x_spend(
    *, posts_read: int, dm_events_read: int, posts_written: int, posts_with_url: int, prices: XPrices
) -> Decimal:
    """What X bills for a day's counts: each post read, each DM event read (at its own rate), each
    post written, a post with a link at its own higher rate instead of the plain one (posts_with_url
    are among posts_written)."""
    plain = max(posts_written - posts_with_url, 0)
    return (
        posts_read * prices.post_read
        + dm_events_read * prices.dm_event_read
        + plain * prices.post_create
        + posts_with_url * prices.post_create_with_url
    )


@dataclass(frozen=True)
class DayUsage:
    day: date
    calls: int = 0
    rate_limited: int = 0
    posts_read: int = 0
    dm_events_read: int = 0
    posts_written: int = 0
    posts_with_url: int = 0
    spend: Decimal | None = None  # X accounts only
    bar_height: int = 0  # the sparkline's bar (SPARK_HEIGHT: the week's busiest day)
    bar_x: int = 0

    @property
    def bar_y(self):
        return SPARK_HEIGHT - self.bar_height


@dataclass(frozen=True)
class TokenCountdown:
    state: str  # "unknown" | "ok" | "soon" | "expired"
    words: str


@dataclass(frozen=True)
class AccountConsole:
    account: ChannelAccount
    days: list[DayUsage]  # oldest first, today last
    token: TokenCountdown
    rate_limited_now: bool

    @property
    def today(self):
        return self.days[-1]

    @property
    def billed(self):
        return self.account.kind in BILLED_KINDS

    @property
    def counted(self):
        return self.account.kind not in UNCOUNTED_KINDS

    @property
    def limited_days(self):
        return sum(1 for day in self.days if day.rate_limited)

    @property
    def week_calls(self):
        return sum(day.calls for day in self.days)

    @property
    def week_spend(self):
        return sum(day.spend for day in self.days) if self.billed else None


def console_accounts(now: datetime | None = None) -> list[AccountConsole]:
    """Every account, with its week of usage (UTC days, X's billing days) and its token's countdown."""
    now = now or timezone.now()
    week = [now.date() - timedelta(days=back) for back in range(DAYS - 1, -1, -1)]
    rows = ApiUsage.objects.filter(day__gte=week[0], day__lte=week[-1])
    usage = {(row.account_id, row.day): row for row in rows}
    prices = XPrices.from_settings()
    consoles = []
    accounts = sorted(
        ChannelAccount.objects.all(), key=lambda account: (_kind_rank(account.kind), account.name)
    )
    for account in accounts:
        days = _week(account, week, usage, prices)
        limited = bool(account.rate_limited_until and account.rate_limited_until > now)
        consoles.append(
            AccountConsole(account, days, token_countdown(account.token_expires_at, now), limited)
        )
    return consoles


def _kind_rank(kind):
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _week(account, week, usage, prices):
    found = [usage.get((account.pk, day)) for day in week]
    busiest = max([row.calls for row in found if row] or [0])
    days = []
    for index, (day, row) in enumerate(zip(week, found, strict=True)):
        counts = _counts(row)
        spend = x_spend(**_billed(counts), prices=prices) if account.kind in BILLED_KINDS else None
        # A day with any call shows at least a sliver; a day with none, nothing.
        height = max(round(SPARK_HEIGHT * counts["calls"] / busiest), 1) if counts["calls"] else 0
        days.append(DayUsage(day, **counts, spend=spend, bar_height=height, bar_x=index * SPARK_STEP))
    return days


def _counts(row):
    names = ["calls", "rate_limited", *BILLED_COUNTS]
    return {name: getattr(row, name) if row else 0 for name in names}


def _billed(counts):
    return {name: counts[name] for name in BILLED_COUNTS}


def token_countdown(expires_at: datetime | None, now: datetime) -> TokenCountdown:
    """The time left on an access token in words: days (hours on its last day), or how long ago it
    expired; "soon" within settings.TOKEN_EXPIRY_WARNING, when the admins are told."""
    if expires_at is None:
        return TokenCountdown("unknown", "No expiry date recorded")
    left = expires_at - now
    if left <= timedelta(0):
        return TokenCountdown("expired", f"Expired {_span(-left)} ago")
    state = "soon" if left <= settings.TOKEN_EXPIRY_WARNING else "ok"
    return TokenCountdown(state, f"Expires in {_span(left)}")


def _span(length: timedelta) -> str:
    if length >= timedelta(days=2):
        return f"{length.days} days"
    hours = int(length.total_seconds() // 3600)
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(int(length.total_seconds() // 60), 1)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
