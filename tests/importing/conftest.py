import io

import pytest
from django.core.management import call_command

from channels.models import ChannelAccount


@pytest.fixture
def mailbox_account(db):
    return ChannelAccount.objects.create(
        name="Support mailbox", kind="email", enabled=False, self_external_id="support@utility.example"
    )


@pytest.fixture
def run_import(db):
    """manage.py import_history with these arguments: (stdout, stderr)."""

    def run(*args):
        out, err = io.StringIO(), io.StringIO()
        call_command("import_history", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run
