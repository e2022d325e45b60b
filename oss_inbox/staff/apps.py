from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "oss_inbox.staff"
