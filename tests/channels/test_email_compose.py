"""The reply email's headers: threading for the customer's client, and no auto-reply loops."""

from datetime import UTC, datetime

from channels.email.compose import Answered, Reply, compose_reply

ANSWERED = Answered(address="maria@example.com", message_id="q1@mail.example",
                    subject="Bill higher than usual", references=("root@mail.example",))  # fmt: skip


def reply(**fields):
    defaults = dict(sender="help@utility.example", sender_name="Customer Care", ticket_id=42,
                    text="We have looked at your bill.",
                    sent_at=datetime(2026, 11, 2, 15, tzinfo=UTC))  # fmt: skip
    return Reply(**{**defaults, **fields})


def test_a_reply_threads_in_the_customers_mail_client():
    email = compose_reply(reply(), ANSWERED)
    assert email["In-Reply-To"] == "<q1@mail.example>"
    assert email["References"] == "<root@mail.example> <q1@mail.example>"
    assert email["Subject"] == "Re: Bill higher than usual [#42]"
    assert email["Auto-Submitted"] is None


def test_our_automatic_acknowledgement_is_marked_so_auto_responders_stay_quiet():
    assert compose_reply(reply(automatic=True), ANSWERED)["Auto-Submitted"] == "auto-replied"
