from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "oss_inbox.incidents"
    verbose_name = "Incidents"

    def ready(self):
        from oss_inbox.tickets.services.hooks import ingest_hooks_register

        from .tasks import inbound_stored

        # Ingest tells us of customers' new messages once committed: outage reports among them are
        # read for their places and grouped into incidents by a worker.
        ingest_hooks_register(inbound_stored=inbound_stored)
