"""manage.py ingest_file replays saved payloads through the same parse + ingest path."""

import pytest
from django.core.management import CommandError, call_command

from channels.replay import UnreadableFile, items_from_file, payload_files
from oss_inbox.tickets.models import Message, UnprocessedItem

from ..factories import account
from ..outside import require_corpus

pytestmark = pytest.mark.django_db


def readable(path, channel_account):
    try:
        return items_from_file(path, channel_account)
    except UnreadableFile:
        return []


def replay(path, channel_account):
    call_command("ingest_file", str(path), "--account", channel_account.name)


@pytest.mark.parametrize("kind, folder", [("twitter", "x"), ("facebook", "facebook"), ("email", "email")])
def test_the_whole_corpus_goes_in_once_and_nothing_is_lost(kind, folder):
    corpus = require_corpus()
    channel_account = account(kind)
    items = [item for f in payload_files(corpus / folder) for item in readable(f, channel_account)]
    assert items, "the corpus should yield items"

    try:
        replay(corpus / folder, channel_account)
    except CommandError:
        pass  # the LICENSE file is not a payload: reported, and the rest still went in

    stored = set(Message.objects.filter(account=channel_account).values_list("external_id", flat=True))
    set_aside = set(
        UnprocessedItem.objects.filter(account=channel_account).values_list("external_id", flat=True)
    )
    for item in items:  # each either stored as a message or kept with its reason
        assert item.external_id in stored | set_aside or item.external_id is None, item
    replay_again_count = Message.objects.count()
    with pytest.raises(CommandError):
        replay(corpus / folder, channel_account)
    assert Message.objects.count() == replay_again_count


def test_an_unreadable_file_is_named_with_its_reason_and_the_rest_goes_in(tmp_path, capsys):
    channel_account = account("twitter")
    (tmp_path / "a_broken.json").write_text("{not json")
    (tmp_path / "b_mentions.json").write_text(
        '{"data": [{"id": "1578516295611748353", "text": "@PrairieEGHelp lights flickering on Oak Ave",'
        ' "author_id": "42", "created_at": "2026-11-20T14:00:00.000Z"}],'
        ' "includes": {"users": [{"id": "42", "username": "oakave", "name": "Pat Oak"}]}}'
    )
    with pytest.raises(CommandError, match="1 file"):
        replay(tmp_path, channel_account)
    assert "a_broken.json: not valid JSON" in capsys.readouterr().err
    assert Message.objects.get().text == "@PrairieEGHelp lights flickering on Oak Ave"


def test_an_unknown_account_is_refused_with_the_names_there_are(tmp_path):
    account("twitter", name="X main")
    with pytest.raises(CommandError, match="X main"):
        call_command("ingest_file", str(tmp_path), "--account", "nope")
