from django.apps import AppConfig


class KeyAccountsConfig(AppConfig):
    name = "oss_inbox.keyaccounts"
    label = "keyaccounts"
    verbose_name = "Key accounts"
