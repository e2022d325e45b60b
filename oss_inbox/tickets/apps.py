from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "oss_inbox.tickets"

    def ready(self):
        # The outbox's and the SLA's tasks are asked for by name from layers that may not import
        # them (tickets.services, sla.services): registered in every process, web and worker alike.
        from . import tasks  # noqa: F401
