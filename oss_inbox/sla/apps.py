from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "oss_inbox.sla"

    def ready(self):
        from channels.models import ChannelAccount
        from oss_inbox.cached import forget_on_change

        from .models import CoverageOverride, CoverageSchedule, SlaPolicy
        from .policies import POLICIES_KEY
        from .schedules import COVERAGE_KEY

        forget_on_change(POLICIES_KEY, SlaPolicy, CoverageSchedule)
        # An account saved (enabled, given another schedule): the header may name other schedules.
        forget_on_change(COVERAGE_KEY, CoverageSchedule, CoverageOverride, ChannelAccount)
