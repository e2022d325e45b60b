from django.apps import AppConfig


class ImportingConfig(AppConfig):
    name = "oss_inbox.importing"
    verbose_name = "History import"
    default_auto_field = "django.db.models.BigAutoField"
