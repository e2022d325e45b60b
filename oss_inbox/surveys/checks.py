"""Start-up checks of the surveys' settings: a delay no one could mean is refused in plain words
(`manage.py check`, run by runserver and migrate), instead of surveys that never go out."""

from django.conf import settings
from django.core import checks

LONGEST_DELAY_MINUTES = 30 * 24 * 60  # 30 days: later, the customer has long moved on


def survey_delay_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    delay = settings.SURVEY_DELAY_MINUTES
    if isinstance(delay, int) and not isinstance(delay, bool) and 0 <= delay <= LONGEST_DELAY_MINUTES:
        return []
    return [
        checks.Error(
            f"SURVEY_DELAY_MINUTES is {delay!r}: it must be a whole number of minutes from 0 to "
            f"{LONGEST_DELAY_MINUTES} (30 days) after a ticket's resolution.",
            hint="Set SURVEY_DELAY_MINUTES to, for example, 30 (the default) or 1440 (a day).",
            id="surveys.E001",
        )
    ]
