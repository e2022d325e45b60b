from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "oss_inbox.sla"
