"""import_history --csv: Instagram comments and DMs from another tool's export become Instagram tickets."""

import pytest

from oss_inbox.tickets.models import Identity, Ticket

pytestmark = pytest.mark.django_db

EXPORT = (
    "ticket_id,message_time,direction,body,customer,channel,status\n"
    "IG1,2025-03-01 09:00,inbound,Lights out on Oak Ave,6601,Instagram,solved\n"
    "IG1,2025-03-01 09:30,outbound,Crews are on it.,6601,Instagram,solved\n"
    "IG2,2025-03-02 10:00,inbound,My bill doubled,6602,Instagram DM,solved\n"
)


def test_instagram_comments_and_dms_are_imported_on_an_instagram_account(run_import, tmp_path):
    export = tmp_path / "export.csv"
    export.write_text(EXPORT)

    out, _ = run_import("--csv", str(export))

    assert "Imported 2 tickets" in out
    assert set(Ticket.objects.values_list("account__kind", flat=True)) == {"instagram"}
    assert set(Ticket.objects.values_list("messages__kind", flat=True)) == {"ig_comment", "ig_dm"}
    assert Identity.objects.filter(kind="instagram", external_id__in=["6601", "6602"]).count() == 2
