"""manage.py ingest_file replays saved payloads through the same parse + ingest path, and reports
what became of every file and item: read or refused, stored, set aside or refused, with reasons."""

import json

import pytest
from django.core.management import CommandError, call_command

from channels.replay import UnreadableFile, payload_files, read_file
from oss_inbox.tickets.models import Message, Ticket, UnprocessedItem

from ..factories import account
from ..outside import require_corpus

pytestmark = pytest.mark.django_db

PAGE = "104000000000001"  # the facebook factory account's Page
US = "1500000000000000001"  # the twitter factory account's user id


def replay(path, channel_account, *, verbosity=1):
    call_command("ingest_file", str(path), "--account", channel_account.name, verbosity=verbosity)


def readable(path, channel_account):
    try:
        return read_file(path, channel_account).items
    except UnreadableFile:
        return []


def write(folder, name, payload):
    path = folder / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


def tweet(tweet_id, text, author="42", **fields):
    return {
        "id": tweet_id,
        "text": text,
        "author_id": author,
        "created_at": "2026-11-20T14:00:00.000Z",
        **fields,
    }


@pytest.mark.parametrize("kind, folder", [("twitter", "x"), ("facebook", "facebook"), ("email", "email")])
def test_the_whole_corpus_goes_in_once_and_nothing_is_lost(kind, folder):
    corpus = require_corpus()
    channel_account = account(kind)
    items = [item for f in payload_files(corpus / folder) for item in readable(f, channel_account)]
    assert items, "the corpus should yield items"

    replay(corpus / folder, channel_account)  # the LICENSE files are refused with a reason: no error

    stored = set(Message.objects.filter(account=channel_account).values_list("external_id", flat=True))
    set_aside = set(
        UnprocessedItem.objects.filter(account=channel_account).values_list("external_id", flat=True)
    )
    for item in items:  # each either stored as a message or kept with its reason
        assert item.external_id in stored | set_aside or item.external_id is None, item
    messages = Message.objects.count()
    replay(corpus / folder, channel_account)
    assert Message.objects.count() == messages


def test_one_line_per_file_then_the_run_with_every_reason_grouped(tmp_path, capsys):
    channel_account = account("twitter")
    write(
        tmp_path,
        "a_mentions.json",
        {
            "data": [
                tweet("1600000000000000001", "@PrairieEGHelp lights flickering on Oak Ave"),
                tweet("1600000000000000002", "RT @PrairieEGHelp: Crews are out on Oak Ave"),
                tweet("1600000000000000003", "@PrairieEGHelp crews are here, thanks", author=US),
                {"id": "43", "name": "Bo Other", "username": "bo"},
            ],
            "includes": {"users": [{"id": "42", "username": "oakave", "name": "Pat Oak"}]},
        },
    )
    write(tmp_path, "b_liking_users.json", {"data": [{"id": "42", "name": "Pat Oak", "username": "oakave"}]})
    write(tmp_path, "c_counts.json", {"data": [{"start": "a", "end": "b", "tweet_count": 3}] * 183})
    write(tmp_path, "d_empty.json", {"meta": {"result_count": 0}})
    write(tmp_path, "e_broken.json", "{not json")
    write(tmp_path, "f_notes.txt", "not a payload")

    replay(tmp_path, channel_account)  # every file read or refused for a stated reason: exit code 0

    out = capsys.readouterr().out
    assert out.splitlines()[:6] == [
        "a_mentions.json: read, 3 item(s): 1 stored (1 new ticket), 1 set aside (1 × our own posts with no "
        "conversation to join), 1 refused (1 × not a tweet (its fields: id, name, username)); "
        "left out: 1 × retweets (they repeat someone else's words)",
        "b_liking_users.json: refused: a users response, not tweets",
        "c_counts.json: refused: a tweet counts response, not tweets",
        "d_empty.json: read, 0 items: an empty page: X found nothing (result_count 0)",
        "e_broken.json: refused: not valid JSON (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))",
        "f_notes.txt: refused: not a .json file, which is what X (Twitter) accounts take",
    ]
    assert "6 file(s): 2 read, 4 refused.\nItems: 1 stored (1 new ticket), 1 set aside, 1 refused." in out
    assert "Files refused, by reason:\n      1  a users response, not tweets\n" in out
    assert "Left out while reading (not messages; not stored), by reason:\n      1  retweets" in out
    assert Message.objects.get().text == "@PrairieEGHelp lights flickering on Oak Ave"
    assert UnprocessedItem.objects.filter(reason="own_post").count() == 1


def test_a_replay_again_counts_what_was_stored_as_duplicates(tmp_path, capsys):
    channel_account = account("twitter")
    write(tmp_path, "mentions.json", {"data": [tweet("1600000000000000001", "@PrairieEGHelp no power")]})
    replay(tmp_path, channel_account)
    capsys.readouterr()

    replay(tmp_path, channel_account)

    out = capsys.readouterr().out
    assert "mentions.json: read, 1 item(s): 1 set aside (1 × already stored (duplicates))" in out
    assert "Items set aside, by reason:\n      1  already stored (duplicates)" in out
    assert Message.objects.count() == 1


def test_a_webhook_body_dedupes_with_the_poll_of_the_same_comment(tmp_path, capsys):
    channel_account = account("facebook")
    post_id = f"{PAGE}_2000"
    value = {
        "from": {"id": "555", "name": "Ann Customer"},
        "item": "comment",
        "verb": "add",
        "post_id": post_id,
        "comment_id": "2000_10",
        "parent_id": post_id,
        "message": "still no power on Elm St",
        "created_time": 1709632923,
    }
    write(
        tmp_path,
        "a_webhook.json",
        {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": value}]}]},
    )
    polled = {
        "id": "2000_10",
        "message": "still no power on Elm St",
        "created_time": "2024-03-05T10:02:03+0000",
        "from": {"id": "555", "name": "Ann Customer"},
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/2000/?comment_id=10",
    }
    write(tmp_path, "b_comments.json", {"data": [polled]})

    replay(tmp_path, channel_account)

    out = capsys.readouterr().out
    assert "a_webhook.json: read, 1 item(s): 1 stored (1 new ticket)" in out
    assert "b_comments.json: read, 1 item(s): 1 set aside (1 × already stored (duplicates))" in out
    assert Ticket.objects.get().thread_key == f"fb:{post_id}:2000_10"


def test_a_reader_crash_names_the_file_and_is_the_only_nonzero_exit(tmp_path, capsys, monkeypatch):
    # A reader that raises is a bug in OSS Inbox; to test the command's answer to one, one is made.
    import channels.replay

    def crash(payload):
        raise KeyError("id")

    channel_account = account("twitter")
    write(tmp_path, "a.json", {"data": [tweet("1600000000000000001", "@PrairieEGHelp no power")]})
    monkeypatch.setattr(channels.replay, "read_response", crash)

    with pytest.raises(CommandError, match=r"crashed on 1 file\(s\), a bug in OSS Inbox: a.json"):
        replay(tmp_path, channel_account, verbosity=2)

    captured = capsys.readouterr()
    assert "a.json: the reader crashed (KeyError: 'id')" in captured.err
    assert "Traceback" in captured.err  # at -v 2, for the bug report
    assert "1 file(s): 0 read, 0 refused, 1 crashed the reader." in captured.out


def test_a_path_that_is_not_there_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="no such file or folder"):
        replay(tmp_path / "nope", account("twitter"))


def test_an_unknown_account_is_refused_with_the_names_there_are(tmp_path):
    account("twitter", name="X main")
    with pytest.raises(CommandError, match="X main"):
        call_command("ingest_file", str(tmp_path), "--account", "nope")
