from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "oss_inbox.tickets"
