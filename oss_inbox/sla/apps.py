from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "oss_inbox.sla"

    def ready(self):
        from oss_inbox.cached import forget_on_change

        from .models import CoverageSchedule, SlaPolicy
        from .policies import POLICIES_KEY

        forget_on_change(POLICIES_KEY, SlaPolicy, CoverageSchedule)
