from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "oss_inbox.inbox"

    def ready(self):
        from django.contrib.auth import get_user_model

        from oss_inbox.cached import forget_on_change
        from oss_inbox.tickets.models import Contact, Organization, Tag

        from .canned import CANNED_KEY
        from .models import CannedResponse
        from .queue_rows import QUEUE_ROWS_KEY
        from .tagging import TAG_NAMES_KEY

        forget_on_change(CANNED_KEY, CannedResponse)
        forget_on_change(TAG_NAMES_KEY, Tag)
        # What a queue row shows besides the ticket itself (a change to the ticket moves the queue's version).
        forget_on_change(
            QUEUE_ROWS_KEY, Contact, Organization, get_user_model(), Tag, unless_only={"last_login"}
        )
