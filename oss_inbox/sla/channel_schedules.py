"""Which coverage schedule a channel account starts on: email on the Email schedule, the social
channels on the default (Social media).

The defaults (migration 0002) install both; an account created later (the demo, `make run`'s sandbox
accounts, the in-app form) is put on its channel's schedule here, so that no default schedule sits
unused while email runs on social media's hours. An admin's choice on the account page always wins.
"""

from .models import CoverageSchedule

EMAIL_SCHEDULE = "Email"
# Channel kind -> the name of the schedule its accounts start on; a kind not here follows the default.
CHANNEL_SCHEDULES = {"email": EMAIL_SCHEDULE}


def schedule_for_channel(kind: str) -> CoverageSchedule | None:
    """The schedule a new account of this kind starts on; None means the default schedule."""
    name = CHANNEL_SCHEDULES.get(kind)
    return CoverageSchedule.objects.filter(name=name).first() if name else None
