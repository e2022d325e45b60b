import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oss_inbox.settings")

app = Celery("oss_inbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_embedded_broker_folder(sender, **kwargs):
    # The embedded broker is a SQLite file under var/: SQLite makes the file, not its folder.
    from pathlib import Path

    url = sender.conf.broker_url or ""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
