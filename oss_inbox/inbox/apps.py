from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "oss_inbox.inbox"

    def ready(self):
        from oss_inbox.cached import forget_on_change

        from .canned import CANNED_KEY
        from .models import CannedResponse

        forget_on_change(CANNED_KEY, CannedResponse)
