from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "oss_inbox.inbox"
