from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "oss_inbox.incidents"
    verbose_name = "Incidents"

    def ready(self):
        from oss_inbox.cached import forget_on_change
        from oss_inbox.tickets.services.hooks import ingest_hooks_register

        from . import feed_tasks  # noqa: F401 (beat's poll_outage_feeds, registered with Celery)
        from .models import Incident
        from .tasks import inbound_stored
        from .templatetags.incident_tags import OPEN_INCIDENTS_KEY

        # The ticket page's incident line reads the open incidents from the cache (incident_tags.py).
        forget_on_change(OPEN_INCIDENTS_KEY, Incident)

        # Ingest tells us of customers' new messages once committed: outage reports among them are
        # read for their places and grouped into incidents by a worker.
        ingest_hooks_register(inbound_stored=inbound_stored)
