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


def write_export(path, tickets, *, customer, status, asks="Ticket {} asks", answer="We answered {}"):
    """A CSV export of `tickets` tickets (T1, T2 ...), each a customer's message and our answer an hour
    later; `customer(number)` and `status(number)` say whose it is and how it ended."""
    rows = ["ticket_id,message_time,direction,body,customer,status"]
    for number in range(1, tickets + 1):
        who = customer(number)
        rows.append(
            f"T{number},2025-02-01 10:{number:02d},inbound,{asks.format(number)},{who},{status(number)}"
        )
        rows.append(f"T{number},2025-02-01 11:{number:02d},outbound,{answer.format(number)},{who},")
    path.write_text("\n".join(rows) + "\n")
    return path
