"""Ingest's `inbound_stored` hook tells every app that listens (moderation, incidents) of a batch's new
customer messages once committed; one listener failing does not keep the others from hearing."""

import pytest

from oss_inbox.tickets.services import hooks, ingest

from .. import factories

pytestmark = pytest.mark.django_db


def test_every_listener_hears_of_the_batch_even_when_one_fails(
    twitter, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    heard = []

    def broken(messages):
        raise ConnectionError("broker down")

    monkeypatch.setattr(hooks, "INBOUND_LISTENERS", [])
    hooks.ingest_hooks_register(inbound_stored=broken)
    hooks.ingest_hooks_register(inbound_stored=heard.append)
    hooks.ingest_hooks_register(inbound_stored=heard.append)  # registered twice, heard once

    with django_capture_on_commit_callbacks(execute=True):
        ingest(twitter, [factories.inbound(text="Power's out on Elm St")])

    [messages] = heard
    assert [message.text for message in messages] == ["Power's out on Elm St"]
    assert "could not hear of 1 new messages" in caplog.text


def test_the_apps_listeners_are_all_registered():
    names = {f"{listener.__module__}.{listener.__name__}" for listener in hooks.INBOUND_LISTENERS}
    assert names == {"channels.moderation.tasks.inbound_stored", "oss_inbox.incidents.tasks.inbound_stored"}
