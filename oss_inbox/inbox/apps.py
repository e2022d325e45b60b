from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "oss_inbox.inbox"

    def ready(self):
        from oss_inbox.cached import forget_on_change
        from oss_inbox.tickets.models import Tag

        from .canned import CANNED_KEY
        from .models import CannedResponse
        from .tagging import TAG_NAMES_KEY

        forget_on_change(CANNED_KEY, CannedResponse)
        forget_on_change(TAG_NAMES_KEY, Tag)
