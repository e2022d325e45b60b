from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Channels"

    def ready(self):
        from oss_inbox.tickets.services.hooks import ingest_hooks_register

        from .moderation.tasks import inbound_stored
        from .sending import connect  # models are loaded only now

        connect()
        # Ingest tells us of customers' new messages once committed: the auto-hide rules check them.
        ingest_hooks_register(inbound_stored=inbound_stored)
