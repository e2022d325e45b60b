from django.apps import AppConfig
from django.core import checks

from .checks import survey_delay_check


class SurveysConfig(AppConfig):
    name = "oss_inbox.surveys"
    verbose_name = "Customer satisfaction"

    def ready(self):
        # Ingest asks whether a Messenger message answers our survey (a quick reply), without importing us.
        from oss_inbox.tickets.services.hooks import ingest_hooks_register

        from .answers import survey_answer_from_messenger

        ingest_hooks_register(survey_answer=survey_answer_from_messenger)
        checks.register(survey_delay_check)  # SURVEY_DELAY_MINUTES from 0 to 30 days
