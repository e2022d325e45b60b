"""Storm mode holds the quarterly-update reminders back: none during the storm, each owed one after it,
once."""

from oss_inbox.keyaccounts.models import UpdateReminder
from oss_inbox.sla.storm import storm_end, storm_start
from oss_inbox.staff.models import Notification

from .test_reminders import accounts, local, remind  # noqa: F401 (the fixture)


def test_a_reminder_due_during_the_storm_goes_out_after_it_once(
    accounts,  # noqa: F811 - the fixture imported above
    agent,
    supervisor,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    storm_start(by=supervisor, reason="Ice storm", now=local(2026, 9, 30, 20, 0))

    assert remind(local(2026, 10, 1, 0, 30), capture) == 0  # Q3's update became due: held back
    assert remind(local(2026, 10, 1, 1, 30), capture) == 0
    assert not UpdateReminder.objects.exists() and not Notification.objects.exists()

    storm_end(by=supervisor, reason="Restored", now=local(2026, 10, 1, 2, 0))

    assert remind(local(2026, 10, 1, 2, 30), capture) == 1
    assert remind(local(2026, 10, 1, 3, 30), capture) == 0
    [notification] = Notification.objects.filter(recipient=agent)
    assert notification.text == "The Q3 2026 update for St. Mary's Hospital is due by 15 October 2026"
