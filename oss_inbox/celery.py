import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

app = Celery("oss_inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
