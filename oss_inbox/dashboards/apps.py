from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "oss_inbox.dashboards"
    label = "dashboards"
