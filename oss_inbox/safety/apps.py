from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "oss_inbox.safety"
    verbose_name = "Safety"

    def ready(self):
        from .lists import forget_phrases_on_change

        forget_phrases_on_change()
