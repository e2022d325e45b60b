from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "oss_inbox.demo"
