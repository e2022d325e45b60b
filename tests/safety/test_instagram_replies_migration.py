"""A database made before Instagram was a channel gets Instagram's safety replies from migration 0004,
and keeps every reply an admin edited."""

import importlib

import pytest
from django.apps import apps

from oss_inbox.safety.models import SafetyReply

pytestmark = pytest.mark.django_db
MIGRATION = importlib.import_module("oss_inbox.safety.migrations.0004_instagram_replies")


def test_instagram_replies_are_added_and_edited_replies_kept():
    SafetyReply.objects.filter(kind__in=["ig_comment", "ig_dm"]).delete()  # as before Instagram
    edited = SafetyReply.objects.filter(kind="messenger").first()
    edited.text = "Our own words, edited by an admin."
    edited.save()

    MIGRATION.Migration.operations[0].code(apps, None)

    assert SafetyReply.objects.filter(kind="ig_comment").exists()
    assert SafetyReply.objects.filter(kind="ig_dm").exists()
    edited.refresh_from_db()
    assert edited.text == "Our own words, edited by an admin."
