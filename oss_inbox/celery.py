import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

app = Celery("oss_inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_broker_folders(sender, **kwargs):
    # The embedded broker is a folder under var/; kombu expects it to exist.
    from pathlib import Path

    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = sender.conf.broker_transport_options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
