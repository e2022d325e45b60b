"""The Instagram adapter end to end: our real Graph client over real sockets against the Instagram
sandbox (channels/sandbox/instagram_api.py), polls through channels.polling and replies through the
one outbox, as the Celery tasks call them. Each item the account holds is stored exactly once.
"""

import time
from collections import Counter

import pytest
from django.urls import reverse

from channels.base import ChannelError
from channels.instagram.adapter import InstagramAdapter
from channels.instagram.explain import explain_failed_test
from channels.models import ApiUsage, ChannelAccount
from channels.sandbox.instagram_api import InstagramApiSandbox
from channels.webhooks.process import delivery_process
from oss_inbox.tickets.models import Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services import ticket_reply
from oss_inbox.tickets.services.outbox import outbox_deliver

from .sandbox_accounts import poll
from .webhook_bodies import META_SECRET, post_meta

CAPTION = "Storm crews are out tonight: outage map in our bio."


@pytest.fixture
def instagram():
    sandbox = InstagramApiSandbox()
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def account(db, instagram):
    return ChannelAccount.objects.create(
        kind="instagram",
        name="Instagram @prairie_eg",
        self_external_id=instagram.account_id,
        settings={"graph_base_url": instagram.url, "timeout_seconds": 2},
        credentials={"access_token": instagram.token},
    )


def send(ticket, agent, text, private=False):
    message = ticket_reply(ticket=ticket, author=agent, text=text, private=private)
    state = outbox_deliver("reply", message.pk)
    message.refresh_from_db()
    return message, state


def posts(instagram):
    return [(r["path"], r["json"] or r["form"]) for r in instagram.requests if r["method"] == "POST"]


def assert_each_item_stored_once(instagram, account):
    stored = Counter(
        Message.objects.filter(account=account)
        .exclude(external_id=None)
        .values_list("external_id", flat=True)
    )
    set_aside = set(UnprocessedItem.objects.filter(account=account).values_list("external_id", flat=True))
    assert instagram.state.item_ids() - set(stored) - set_aside == set(), "lost"
    assert [external_id for external_id, count in stored.items() if count > 1] == []


# ---- reading ------------------------------------------------------------------------------------


def test_comments_and_direct_messages_become_tickets_with_contacts_per_instagram_user(instagram, account):
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "Any ETA for Oak Ave?")
    instagram.add_comment(media, "6601", "kim.jones", "Also Maple St.", parent_id=kim)
    instagram.add_message("6602", "lee.park", "My bill doubled this month")

    result = poll(account)

    assert result.tickets_opened == 2 and account.last_error == ""
    comments = Ticket.objects.get(account=account, thread_key=f"ig:{media}:{kim}")
    assert list(comments.messages.values_list("kind", "text")) == [
        ("ig_comment", "Any ETA for Oak Ave?"),
        ("ig_comment", "Also Maple St."),
    ]
    first = comments.messages.first()
    assert first.context["post_text"] == CAPTION
    assert (first.author_identity.kind, first.author_identity.external_id) == ("instagram", "6601")
    dms = Ticket.objects.get(account=account, thread_key="igdm:6602")
    assert dms.messages.get().kind == "ig_dm"
    assert_each_item_stored_once(instagram, account)


def test_a_later_poll_adds_only_what_is_new_and_every_page_is_followed(instagram, account):
    account.settings["page_size"] = 2
    account.save()
    media = [instagram.add_media(f"Update {n}") for n in range(3)]
    for n in range(5):
        instagram.add_comment(media[n % 3], f"66{n}", f"customer{n}", f"Question {n}")
    for n in range(3):
        instagram.add_message(f"67{n}", f"person{n}", f"Message {n}")
    poll(account)
    late = instagram.add_comment(
        media[0], "6699", "kim.jones", "Any news?", parent_id=instagram.state.comments_on(media[0])[0]["id"]
    )

    result = poll(account)

    assert result.stored == 1 and Message.objects.get(external_id=late).in_reply_to
    assert any("after" in r["query"] for r in instagram.requests if r["path"].endswith("/media"))
    assert_each_item_stored_once(instagram, account)


# ---- sending, hiding ----------------------------------------------------------------------------


def test_a_reply_to_a_comment_goes_under_its_top_comment_and_comes_back_once(instagram, account, agent):
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "Any ETA?")
    instagram.add_comment(media, "6601", "kim.jones", "Oak Ave", parent_id=kim)
    poll(account)

    message, state = send(Ticket.objects.get(account=account), agent, "Crews arrive by 9pm, Kim.")
    poll(account)

    assert (state, message.kind) == ("sent", "ig_comment")
    assert posts(instagram) == [(f"/{kim}/replies", {"message": "Crews arrive by 9pm, Kim."})]
    assert Message.objects.filter(external_id=message.external_id).count() == 1
    usage = ApiUsage.objects.get(account=account)  # counted for the budget console
    assert usage.posts_written == 1 and usage.calls == len(instagram.requests)


def test_a_direct_message_reply_goes_to_the_person_of_the_conversation(instagram, account, agent):
    instagram.add_message("6602", "lee.park", "My bill doubled")
    poll(account)

    message, state = send(Ticket.objects.get(account=account), agent, "Lee, we're checking your bill.")
    poll(account)

    assert (state, message.kind) == ("sent", "ig_dm")
    [(path, body)] = posts(instagram)
    assert path == f"/{instagram.account_id}/messages"
    assert body == {
        "recipient": {"id": "6602"},
        "message": {"text": "Lee, we're checking your bill."},
        "messaging_type": "RESPONSE",
    }
    assert Ticket.objects.get(account=account).messages.count() == 2  # our echo linked, not doubled


def test_a_private_reply_to_a_comment_is_a_direct_message_with_the_comment_as_recipient(
    instagram, account, agent
):
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "My account number is 4411-22, any ETA?")
    poll(account)

    message, state = send(
        Ticket.objects.get(account=account), agent, "Kim, we'll check 4411-22.", private=True
    )

    assert (state, message.kind) == ("sent", "ig_dm")
    [(path, body)] = posts(instagram)
    assert path == f"/{instagram.account_id}/messages" and body["recipient"] == {"comment_id": kim}
    assert instagram.replies[0]["kind"] == "private reply"
    poll(account)  # the DM it opened comes back: recognised as ours, not a new ticket
    assert Ticket.objects.filter(account=account).count() == 1
    assert Message.objects.filter(external_id=message.external_id).count() == 1


def test_instagram_refusals_reach_the_agent_in_instagrams_words(instagram, account, agent):
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "Any ETA?")
    poll(account)
    instagram.state.private_reply(kim, "Answered from the Instagram app.")

    message, state = send(Ticket.objects.get(account=account), agent, "Kim, one more thing.", private=True)

    assert state == "failed"
    assert (
        message.delivery_error
        == "Instagram allows one private reply per comment, and this comment already has one."
    )


def test_hide_and_show_a_comment_call_its_endpoint(instagram, account):
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "My phone is 555-0101")
    poll(account)
    comment = Message.objects.get(external_id=kim)

    InstagramAdapter(account).hide(comment, True)
    InstagramAdapter(account).hide(comment, False)

    assert posts(instagram) == [(f"/{kim}", {"hide": "true"}), (f"/{kim}", {"hide": "false"})]
    assert instagram.state.hidden_changes == [(kim, True), (kim, False)]


# ---- the connection -----------------------------------------------------------------------------


def test_check_names_the_account_and_uses_the_graph_api_version_setting(instagram, account, settings):
    settings.GRAPH_API_VERSION = "v25.0"

    assert (
        InstagramAdapter(account).check()
        == f"Connected to the Instagram account @prairie_eg (id {instagram.account_id})"
    )
    assert {r["version"] for r in instagram.requests} == {"v25.0"}


def test_an_expired_token_stops_polling_with_words_an_admin_can_act_on(instagram, account):
    instagram.expire_token()

    poll(account)

    assert account.error_is_permanent
    assert account.last_error.startswith("Instagram says the access token has expired or was revoked")


# ---- the account form -----------------------------------------------------------------------------

NEW_INSTAGRAM = {
    "kind": "instagram",
    "name": "Instagram @prairie_eg",
    "enabled": "on",
    "self_external_id": "17841400000000001",
    "poll_interval_seconds": "60",
    "setting_graph_version": "",
    "setting_graph_base_url": "",
    "setting_comment_window_days": "",
    "setting_webhook_verify_token": "prairie-verify-8c1f",
    "secret_access_token": "IGAAT-very-secret",
    "secret_app_secret": "",
}


def test_admin_adds_an_instagram_account_and_its_token_is_never_shown_again(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("channels:new"), NEW_INSTAGRAM)

    assert response.status_code == 302
    saved = ChannelAccount.objects.get(kind="instagram")
    assert saved.credentials["access_token"] == "IGAAT-very-secret"
    assert saved.settings["webhook_verify_token"] == "prairie-verify-8c1f"
    page = client.get(reverse("channels:edit", args=[saved.pk])).content.decode()
    assert "very-secret" not in page and "Instagram access token" in page


def test_the_instagram_form_says_what_is_wrong_in_plain_words(client, admin_user):
    client.force_login(admin_user)
    junk = {
        **NEW_INSTAGRAM,
        "self_external_id": "@prairie_eg",
        "setting_graph_version": "latest",
        "setting_webhook_verify_token": "has spaces in it",
    }

    page = client.post(reverse("channels:new"), junk).content.decode()

    assert "Write the numeric id: digits only" in page
    assert "Write a Graph API version such as v24.0" in page
    assert "Write the verify token without spaces" in page
    assert not ChannelAccount.objects.exists()


# ---- webhooks: the same items as a poll -----------------------------------------------------------


def test_a_comment_and_a_dm_by_webhook_then_by_poll_are_stored_once_on_the_polls_tickets(
    client, instagram, account
):
    account.credentials = {**account.credentials, "app_secret": META_SECRET}
    account.save(update_fields=["credentials"])
    media = instagram.add_media(CAPTION)
    kim = instagram.add_comment(media, "6601", "kim.jones", "Any ETA for Oak Ave?")
    lee = instagram.add_message("6602", "lee.park", "My bill doubled")
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": instagram.account_id,
                "time": int(time.time()),
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": kim,
                            "text": "Any ETA for Oak Ave?",
                            "from": {"id": "6601", "username": "kim.jones"},
                            "media": {"id": media, "media_product_type": "FEED"},
                        },
                    }
                ],
                "messaging": [
                    {
                        "sender": {"id": "6602"},
                        "recipient": {"id": instagram.account_id},
                        "timestamp": int(time.time() * 1000),
                        "message": {"mid": lee, "text": "My bill doubled"},
                    }
                ],
            }
        ],
    }

    response = post_meta(client, body)
    assert delivery_process(response.json()["received"]) == "done"
    poll(account)

    assert_each_item_stored_once(instagram, account)
    assert set(Ticket.objects.filter(account=account).values_list("thread_key", flat=True)) == {
        f"ig:{media}:{kim}",
        "igdm:6602",
    }


def test_a_failed_test_connection_says_what_to_do(instagram, account):
    instagram.expire_token()
    with pytest.raises(ChannelError) as expired:
        InstagramAdapter(account).check()
    assert explain_failed_test(account, expired.value).startswith(
        "Instagram does not accept the access token: it expired (tokens from Instagram Login last 60 days"
    )

    instagram.restore_token()
    account.self_external_id = "17841499999999999"
    with pytest.raises(ChannelError) as someone_else:
        InstagramAdapter(account).check()
    assert f"enter {instagram.account_id} as the account id" in str(someone_else.value)
    assert explain_failed_test(account, someone_else.value) == ""  # its own words say what to do


# ---- a reply whose send was cut off ----------------------------------------------------------------


def looked_up(account, message):
    return InstagramAdapter(account).reconcile(Message.objects.select_related("ticket").get(pk=message.pk))


def test_a_cut_off_comment_reply_or_dm_is_found_if_it_went_out_and_not_if_it_did_not(
    instagram, account, agent
):
    media = instagram.add_media(CAPTION)
    instagram.add_comment(media, "6601", "kim.jones", "Any ETA?")
    instagram.add_message("6602", "lee.park", "My bill doubled")
    poll(account)
    comment_ticket = Ticket.objects.get(account=account, thread_key__startswith="ig:")
    dm_ticket = Ticket.objects.get(account=account, thread_key="igdm:6602")
    on_comment = ticket_reply(ticket=comment_ticket, author=agent, text="Crews arrive by 9pm.")
    by_dm = ticket_reply(ticket=dm_ticket, author=agent, text="Crews arrive by 9pm.")  # the same words
    private = ticket_reply(ticket=comment_ticket, author=agent, text="Kim, a DM from us.", private=True)

    assert [looked_up(account, message) for message in (on_comment, by_dm, private)] == [None, None, None]

    sent = [InstagramAdapter(account).send(message) for message in (on_comment, by_dm, private)]
    found = [looked_up(account, message) for message in (on_comment, by_dm, private)]
    assert [item.external_id for item in found] == [item.external_id for item in sent]
