"""Each channel's spec (channels/<kind>/spec.py): its names, conversations and reply rules, pure."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from channels import registry
from channels.models import ChannelKind
from channels.spec import EMPTY_REPLY, ChannelSpec

ROOT = Path(__file__).resolve().parents[2]
FAMILY = "👨‍👩‍👧‍👦"  # four emoji joined by three zero-width joiners: one emoji to X


def x_public(text):
    return registry.spec_for("twitter").reply_count(text, answered_kind="mention", private=False)


# ---- the counter is X's weighted length ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "used"),
    [
        (FAMILY, 2),  # an emoji sequence counts 2, not one per code point
        ("Crews are on their way, see https://example.com/outages", 28 + 23),  # a link counts 23
        ("停電しています", 14),  # CJK weighs 2
        ("Café 東京 🙂", 12),
        ("a" * 280, 280),
        ("", 0),
    ],
)
def test_the_counter_of_a_reply_tweet_counts_as_x_does(text, used):
    assert x_public(text) == (used, 280)


def test_a_reply_tweet_of_280_fits_and_of_281_does_not():
    spec = registry.spec_for("twitter")
    assert spec.reply_problem("a" * 280, answered_kind="mention", private=False) == ""
    assert spec.reply_problem("a" * 281, answered_kind="mention", private=False) == (
        "X allows 280 characters; this reply is 1 too long."
    )
    assert spec.reply_problem("日" * 140, answered_kind="mention", private=False) == ""
    assert spec.reply_problem("日" * 140 + "a", answered_kind="mention", private=False) != ""
    assert spec.reply_problem(FAMILY * 140, answered_kind="mention", private=False) == ""
    link_and_words = "https://example.com/" + "a" * 257  # one link: 23 however long
    assert spec.reply_problem(link_and_words, answered_kind="mention", private=False) == ""


# ---- the reply rule of each channel, public and private ------------------------------------------


@pytest.mark.parametrize(
    ("kind", "answered", "private", "text", "problem"),
    [
        ("twitter", "mention", True, "x" * 10_000, ""),  # a DM to the author: X's 10,000
        (
            "twitter",
            "mention",
            True,
            "x" * 10_001,
            "An X DM allows 10,000 characters; this reply is 1 too long.",
        ),
        ("twitter", "dm", False, "x" * 600, ""),  # a DM conversation is answered by DM, not held to 280
        ("facebook", "comment", False, "x" * 8000, ""),
        (
            "facebook",
            "comment",
            False,
            "x" * 8001,
            "A Facebook comment allows 8,000 characters; this reply is 1 too long.",
        ),
        (
            "facebook",
            "post",
            True,
            "x" * 2001,
            "Messenger allows 2,000 characters; this reply is 1 too long.",
        ),
        ("facebook", "messenger", False, "x" * 2000, ""),
        ("instagram", "ig_comment", False, "x" * 2200, ""),
        (
            "instagram",
            "ig_comment",
            False,
            "x" * 2201,
            "An Instagram comment allows 2,200 characters; this reply is 1 too long.",
        ),
        (
            "instagram",
            "ig_comment",
            True,
            "x" * 1001,
            "An Instagram direct message allows 1,000 characters; this reply is 1 too long.",
        ),
        ("instagram", "ig_dm", False, "x" * 1000, ""),
        ("email", "email", False, "x" * 100_000, ""),  # email has no limit of its own
        ("email", "email", True, "x" * 100_000, ""),
        ("facebook", "comment", False, " \n ", EMPTY_REPLY),
        ("email", "email", False, "", EMPTY_REPLY),
    ],
)
def test_each_channel_refuses_what_its_adapter_would_in_plain_words(kind, answered, private, text, problem):
    assert registry.spec_for(kind).reply_problem(text, answered_kind=answered, private=private) == problem


def test_an_unknown_answered_kind_gets_the_channels_strictest_reading():
    spec = registry.spec_for("twitter")
    assert spec.reply_problem("a" * 281, answered_kind="", private=False).startswith("X allows 280")
    assert spec.reply_problem("a" * 281, answered_kind="email", private=True) == ""  # a DM, then


def test_long_limits_show_a_count_only_near_them():
    twitter, facebook = registry.spec_for("twitter"), registry.spec_for("facebook")
    assert twitter.reply_count("Crews are on Elm St", answered_kind="mention", private=True) is None
    assert twitter.reply_count("x" * 8000, answered_kind="mention", private=True) == (8000, 10_000)
    assert facebook.reply_count("x" * 1599, answered_kind="messenger", private=False) is None
    assert facebook.reply_count("x" * 2001, answered_kind="comment", private=True) == (2001, 2000)
    assert registry.spec_for("email").reply_count("x" * 5000, answered_kind="email", private=False) is None


# ---- names, conversations and private replies ----------------------------------------------------


def test_every_kind_of_account_has_a_spec_an_adapter_and_account_form_fields():
    kinds = set(ChannelKind.values)
    assert set(registry.SPECS) == set(registry.ADAPTERS) == set(registry.ACCOUNT_FORMS) == kinds
    assert all(isinstance(spec, ChannelSpec) and spec.kind == kind for kind, spec in registry.SPECS.items())
    assert [spec.name for spec in registry.all_specs()] == ["X", "Facebook", "Email", "Instagram"]
    with pytest.raises(KeyError):
        registry.spec_for("fax")


@pytest.mark.parametrize(
    ("thread_key", "slug", "label"),
    [
        ("x:1800:111", "x", "X"),
        ("xdm:111-1500", "x_dm", "X DM"),
        ("fb:104_1:104_7", "facebook", "Facebook"),
        ("fb:104_1", "facebook", "Facebook"),
        ("fbm:t_99", "messenger", "Messenger"),
        ("email:abc@mail.example", "email", "Email"),
        ("ig:1790:1791", "instagram", "Instagram"),
        ("igdm:6600", "instagram_dm", "Instagram DM"),
    ],
)
def test_a_thread_keys_prefix_names_its_channel(thread_key, slug, label):
    thread = registry.channel_of_thread_key(thread_key)
    assert (thread.slug, thread.label) == (slug, label)


def test_an_unknown_prefix_names_no_channel():
    assert registry.channel_of_thread_key("fax:1") is None
    assert registry.channel_of_thread_key("") is None


def test_private_replies_merge_every_channels_and_the_ticket_layer_reads_them():
    from oss_inbox.tickets.models import PRIVATE_REPLY_KINDS

    merged = {"mention": "dm", "comment": "messenger", "post": "messenger", "ig_comment": "ig_dm"}
    assert registry.private_reply_kinds() == PRIVATE_REPLY_KINDS == merged
    assert registry.spec_for("email").private_replies == {}


def test_the_composers_words_come_from_the_spec():
    twitter, facebook = registry.spec_for("twitter"), registry.spec_for("facebook")
    assert twitter.reply_choices("mention") == [
        ("public", "Reply publicly (a reply tweet)"),
        ("private", "Reply privately (a DM)"),
    ]
    assert facebook.reply_choices("post")[0] == ("public", "Reply publicly (a comment)")
    assert twitter.reply_choices("dm") == [] and facebook.reply_choices("messenger") == []
    assert registry.spec_of_message_kind("post").message_kinds["post"] == "visitor post"
    assert registry.spec_of_message_kind("note") is None


def test_the_stylesheet_shows_each_channels_icon():
    """The icon is drawn by app.css (`.channel-<slug>::before`); it must be the spec's."""
    css = (ROOT / "static/css/app.css").read_text()
    for spec in registry.all_specs():
        for thread in spec.threads:
            rule = re.search(rf"\.channel-{thread.slug}::before[^{{]*\{{[^}}]*content: \"([^\"]+)\"", css)
            assert rule and rule.group(1) == thread.icon, thread.slug
        assert spec.icon == spec.threads[0].icon


def test_a_spec_will_not_offer_a_private_reply_without_its_words():
    with pytest.raises(ValueError, match="choice words"):
        ChannelSpec(
            kind="fax",
            name="Fax",
            icon="☎",
            message_kinds={"fax": ""},
            threads=(),
            private_replies={"fax": "fax"},
            default_answered_kind="fax",
        )


# ---- pure: the ticket layer may import the registry ----------------------------------------------


def test_the_registry_loads_no_adapter_no_model_and_no_django():
    code = (
        "import sys, channels.registry as r\n"
        "r.all_specs()\n"
        "heavy = ('django', 'channels.models', 'oss_inbox', 'requests', 'tweepy', 'imapclient')\n"
        "loaded = [m for m in sys.modules if m.startswith(heavy) or m.endswith('.adapter')]\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_spec_modules_import_only_the_standard_library_and_channels_spec():
    allowed = re.compile(
        r"^(from|import) (channels\.spec|\.length|collections|dataclasses|types|re|unicodedata)\b"
    )
    for path in [
        ROOT / "channels/spec.py",
        ROOT / "channels/twitter/length.py",
        *sorted(ROOT.glob("channels/*/spec.py")),
    ]:
        imports = [line for line in path.read_text().splitlines() if line.startswith(("from ", "import "))]
        assert all(allowed.match(line) for line in imports), (path.name, imports)


# ---- account form fields by kind ------------------------------------------------------------------


def test_the_email_settings_check_is_the_mail_channels_own():
    check = registry.account_form_fields("email").check_settings
    assert check({"imap_port": "993", "smtp_port": "", "imap_security": "ssl", "smtp_security": ""}) == {}
    assert check({"imap_port": "70000", "smtp_security": "tls-ish"}) == {
        "imap_port": "A port is a number from 1 to 65535.",
        "smtp_security": "Choose SSL/TLS, STARTTLS or None.",
    }
    assert registry.account_form_fields("twitter").check_settings({"username": "@x"}) == {}


def test_no_two_channels_claim_a_message_kind_or_a_thread_prefix():
    kinds = [kind for spec in registry.all_specs() for kind in spec.message_kinds]
    prefixes = [thread.prefix for spec in registry.all_specs() for thread in spec.threads]
    assert len(kinds) == len(set(kinds)) and len(prefixes) == len(set(prefixes))
