"""Hide on a comment Facebook no longer has (deleted by its author, say): the agent reads that in
plain words, not Graph's "(#100) Object with ID ... does not exist", and nothing is recorded."""

from django.urls import reverse

from oss_inbox.tickets.models import Message, TicketEvent

from .sandbox_accounts import poll


def test_hiding_a_deleted_comment_says_so_in_plain_words(client, agent, graph, page):
    post = graph.add_post("Outage update: crews in Riverside")
    comment = graph.add_comment(post, "5501", "Kim Jones", "Still no power on Elm St")
    poll(page)
    message = Message.objects.get(external_id=comment)
    graph.fail_next(
        code=100,
        subcode=33,
        message=f"(#100) Object with ID '{comment}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation",
    )
    client.force_login(agent)

    answer = client.post(reverse("inbox:hide", args=[message.ticket_id, message.pk]), {"hidden": "true"})

    assert answer.status_code == 422
    shown = answer.content.decode()
    assert (
        "Facebook no longer has this comment, or will not let us change it: it may have been deleted. "
        "Nothing was changed." in shown
    )
    assert "Object with ID" not in shown
    message.refresh_from_db()
    assert message.hidden_at is None
    assert not message.ticket.events.filter(kind=TicketEvent.Kind.MODERATION).exists()
