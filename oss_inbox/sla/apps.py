from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "oss_inbox.sla"

    def ready(self):
        from channels.models import ChannelAccount
        from oss_inbox.cached import forget_on_change

        from .models import CoverageOverride, CoverageSchedule, SlaPolicy, StormPeriod
        from .policies import POLICIES_KEY
        from .schedules import COVERAGE_KEY
        from .storm_state import STORM_KEY

        forget_on_change(POLICIES_KEY, SlaPolicy, CoverageSchedule)
        # An account saved (enabled, given another schedule): the header may name other schedules.
        # Storm mode on or off: other coverage hours in the header, another banner.
        forget_on_change(COVERAGE_KEY, CoverageSchedule, CoverageOverride, ChannelAccount, StormPeriod)
        forget_on_change(STORM_KEY, StormPeriod)
