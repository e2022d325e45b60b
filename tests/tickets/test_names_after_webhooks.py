"""A Messenger or Instagram DM webhook names its sender by id only; the poll that finds the same
message again carries their name, and the ticket then shows it instead of a number."""

from oss_inbox.tickets.models import Contact, Identity, Message, Ticket
from oss_inbox.tickets.services import ingest

from ..factories import author, inbound

PSID = "7852745322392067"


def messenger(who, *, external_id="m_1"):
    return inbound(kind="messenger", external_id=external_id, thread_key=f"fb:dm:{PSID}", who=who)


def test_the_poll_names_a_customer_the_webhook_knew_by_id_only(facebook):
    ingest(facebook, [messenger(author(PSID, "", ""))])  # the webhook
    assert Ticket.objects.get().contact.name == PSID
    ingest(facebook, [messenger(author(PSID, "", "Travis Harris"))])  # the poll, the same message
    assert Message.objects.count() == 1  # still stored once
    assert Ticket.objects.get().contact.name == "Travis Harris"
    assert Identity.objects.get().display_name == "Travis Harris"


def test_a_name_the_contact_already_has_is_kept(facebook):
    ingest(facebook, [messenger(author(PSID, "", "Travis Harris"))])
    Contact.objects.update(
        name="Travis Harris (landlord)"
    )  # a name given here is not the platform's to change
    ingest(facebook, [messenger(author(PSID, "", "Trav H"), external_id="m_2")])
    ingest(facebook, [messenger(author(PSID, "", ""), external_id="m_2")])  # a webhook's id-only copy
    assert Contact.objects.get().name == "Travis Harris (landlord)"
    assert Identity.objects.get().display_name == "Trav H"  # an empty name never blanks it


def test_the_poll_brings_the_words_of_the_post_a_webhook_comment_named_by_id_only(facebook, client, agent):
    from django.urls import reverse

    def comment(**context):
        return inbound(
            kind="comment", external_id="1000_55", thread_key="fb:104_1000:55", who=author("55", "", "Kim"),
            context={"post_id": "104_1000", **context},
        )  # fmt: skip

    ingest(facebook, [comment(post_text="", post_url="https://www.facebook.com/104/posts/1000/")])  # webhook
    message = Message.objects.get()
    Message.objects.filter(pk=message.pk).update(context={**message.context, "moderation": {"hidden": True}})
    ingest(facebook, [comment(post_text="Rates change next month: prairie-eg.example/rates")])  # the poll

    message.refresh_from_db()
    assert message.context["post_text"] == "Rates change next month: prairie-eg.example/rates"
    assert message.context["moderation"] == {"hidden": True}  # what moderation wrote meanwhile is kept
    assert Message.objects.count() == 1
    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[message.ticket_id])).content.decode()
    assert "Rates change next month" in page
