"""Issue 15, acceptance 2: the shared corpus (../shared/corpus) replays through `manage.py
ingest_file` with no traceback. Every file is read or refused with a reason, one at a time and
folder by folder, and the right things are stored: mentions and comments as tickets, a users
response or an error body refused whole, retweets and the Page's own posts left out, saying so.
"""

import pytest
from django.core.management import call_command

from oss_inbox.tickets.models import Message, Ticket

from ..factories import account
from .corpus import CORPUS, require_corpus

pytestmark = pytest.mark.django_db

KINDS = {"x": "twitter", "facebook": "facebook", "email": "email"}
# The corpus mixes Pages. A post fetched with only id, message and created_time can be told from a
# comment only by its id starting with the Page's; replayed on the account of "MyLife" (the Page of
# posts_single_post_data*.json), every file reads as what it is.
PAGE = "175154750010052"


def corpus_files():
    if not CORPUS.is_dir():
        return [pytest.param("", id="corpus-absent")]
    params = []
    for folder in KINDS:
        for path in sorted(p for p in (CORPUS / folder).rglob("*") if p.is_file()):
            name = str(path.relative_to(CORPUS))
            params.append(pytest.param(name, id=name))
    return params


def account_for(folder):
    channel_account = account(KINDS[folder])
    if folder == "facebook":
        channel_account.self_external_id = PAGE
        channel_account.save(update_fields=["self_external_id"])
    return channel_account


def replay(path, channel_account, capsys):
    call_command("ingest_file", str(path), "--account", channel_account.name)  # a crash raises here
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return out


@pytest.mark.parametrize("name", corpus_files())
def test_every_corpus_file_is_read_or_refused_with_a_reason(name, capsys):
    corpus = require_corpus()
    channel_account = account_for(name.split("/")[0])

    out = replay(corpus / name, channel_account, capsys)

    line = out.splitlines()[0].removeprefix(f"{corpus / name}: ")
    verdict, _, reason = line.partition(": ")
    assert verdict in ("refused", "read, 0 items") or verdict.startswith("read, "), line
    assert reason.strip(), f"{name} was {verdict} without a reason"


def test_x_folder_stores_the_tweets_and_refuses_what_is_not_tweets(capsys):
    x = account_for("x")

    out = replay(require_corpus() / "x", x, capsys)

    assert "get_me_0.json: refused: a users response, not tweets" in out
    assert "direct_messages_0.json: refused: the answer to a DM we sent (its event id), not DM events" in out
    assert "create_and_delete_tweet_1.json: refused: the answer to an action (deleted), not tweets" in out
    assert "direct_messages_3.json: read, 0 items: an empty page: X found nothing (result_count 0)" in out
    assert "get_quote_tweets_0.json: read, 2 item(s): 2 stored (2 new tickets); left out: 7 × retweets" in out
    assert "16 file(s): 10 read, 6 refused." in out
    mentions = Message.objects.filter(account=x, kind="mention")
    assert mentions.filter(external_id="1578516295611748353", ticket__account=x).exists()
    assert not mentions.filter(text__startswith="RT @").exists()
    assert not Message.objects.filter(account=x, text="").exists()  # no empty "X user" tickets
    assert "4 × dm event has no sender_id" not in out  # grouped in the summary instead:
    assert "      4  dm event has no sender_id (request dm_event.fields=sender_id)" in out


def test_facebook_folder_stores_comments_in_their_threads_and_says_what_it_left_out(capsys):
    page = account_for("facebook")

    out = replay(require_corpus() / "facebook", page, capsys)

    assert "error.json: refused: the Graph API answered with error 100" in out
    assert "pages_single_fields_page.json: refused: a Page's profile, not posts, comments or messages" in out
    assert "conversations_cvs_info.json: read, 0 items: 1 × conversations without their messages" in out
    assert (
        "posts_feed_fields_p1.json: read, 0 items: 5 × posts without `from`, taken for the Page's own "
        "(fetched without fields=from)"
    ) in out
    assert "21 file(s): 17 read, 4 refused." in out
    comments = Message.objects.filter(account=page, kind="comment")
    assert comments.count() == 34
    reply = comments.get(external_id="10158407654328553_10158409983033553")
    # In its top comment's thread (a reply by someone else may be a conversation of its own there).
    top = "fb:19292868552_10158407654328553:10158407654328553_10158407903973553"
    assert reply.ticket.thread_key.startswith(top)
    assert Message.objects.filter(account=page, kind="messenger").count() == 2
    assert not Message.objects.filter(account=page, kind="post").exists()  # only the Pages' own posts


def test_email_folder_replays_with_no_traceback(capsys):
    mailbox = account_for("email")

    out = replay(require_corpus() / "email", mailbox, capsys)

    assert "73 file(s): 71 read, 2 refused." in out
    assert "LICENSE: refused: not a .eml or .mbox or .mbx file" in out
    assert Ticket.objects.filter(account=mailbox).exists()


def test_the_corpus_replayed_twice_stores_nothing_twice(capsys):
    for folder in KINDS:
        channel_account = account_for(folder)
        replay(require_corpus() / folder, channel_account, capsys)
        messages = Message.objects.count()

        out = replay(require_corpus() / folder, channel_account, capsys)

        assert Message.objects.count() == messages
        assert "Items: 0 stored (0 new tickets)" in out
