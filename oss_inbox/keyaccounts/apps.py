from django.apps import AppConfig


class KeyAccountsConfig(AppConfig):
    name = "oss_inbox.keyaccounts"
    label = "keyaccounts"
    verbose_name = "Key accounts"

    def ready(self):
        # What the layers below ask of key accounts, given now that models are loaded.
        from oss_inbox.tickets.services.hooks import ingest_hooks_register

        from . import mail, matching, replies

        mail.connect()
        ingest_hooks_register(
            organizations_for_authors=matching.organizations_for_authors,
            letters_answered=replies.mails_answered,
            letter_replies=replies.reply_events,
        )
