"""Tricky real-world mail (tests/channels/email_cases/*.eml, one file per case) and how each is read.

The files hold bytes as mail programs send them: raw 8-bit headers in legacy charsets, mislabelled
encoded words, malformed header lines, senders in every form, attachment names in every encoding,
bounces without a sender. The table says for each what the agent must see.
"""

from pathlib import Path

import pytest
from django.urls import reverse

from channels.base import Inbound, Unparseable
from channels.email.parse import parse_email
from oss_inbox.tickets.models import Message, Ticket, UnprocessedItem
from oss_inbox.tickets.services.ingest import ingest

CASES = Path(__file__).parent / "email_cases"
MAILBOX = "support@utility.example"

# file: the expected parse. `text` is a distinctive part of the text; `defects` True means the item
# must say it was malformed, False that it must not; keys left out are not checked.
EXPECTED = {
    # Charsets
    "raw_gb2312_headers.eml": dict(
        sender="zhang@example.cn",
        name="张先生",
        subject="停电投诉：我家的电表坏了",
        text="我家的电表从昨天开始不走了",
        defects=True,
    ),
    "raw_shift_jis_headers.eml": dict(
        sender="yamada@example.jp",
        name="山田\u3000太郎",  # the ideographic space kept
        subject="電気料金のお問い合わせ（①について）",
        text="①の請求額について確認させてください。",
        defects=True,
    ),
    "raw_latin1_headers.eml": dict(
        sender="juergen@example.de",
        name="Jürgen Müller",
        subject="Zählerstand für März",
        text="Der Zähler zeigt „12345“ – die Rechnung über 80 € ist zu hoch.",
        defects=True,
    ),
    "undeclared_shift_jis.eml": dict(
        sender="suzuki@example.jp",
        subject="メーターの交換について",
        text="メーターの交換はいつになりますか。",
        defects=True,
    ),
    "iso2022jp_label_holding_shift_jis.eml": dict(
        sender="sato@example.jp",
        name="佐藤",
        subject="検針票の再発行",
        text="検針票をなくしました。再発行をお願いします。",
        defects=True,
    ),
    "iso2022jp_body_without_charset.eml": dict(
        sender="tanaka@example.jp",
        subject="停電について",
        text="①停電が三回ありました。\n②ブレーカーは正常です。",
    ),
    "vendor_supersets.eml": dict(
        sender="lin@example.com",
        text="①②③\u3000～ＮＥＣ特殊文字\n\n囧 镕 是GBK字\n\n똠방각하 요금\n\n똠 전기\n\n“Zähler” – 5 €",
        defects=False,
    ),
    # Headers and addresses
    "unindented_continuation.eml": dict(
        external_id="unindented-1@example.com",
        sender="ann@example.com",
        name="Ann Customer",
        subject="Power cut on Elm Street since this morning, the whole block is dark and "
        "the fridge is warming up",
        text="Please send someone.",
        defects=True,
    ),
    "stray_first_line.eml": dict(
        external_id="stray-first@example.com",
        sender="ben@example.com",
        name="Ben Ortiz",
        subject="Meter reading 0421",
        defects=True,
    ),
    "from_trailing_dot.eml": dict(sender="bob@example.org", name="Bob Tanaka", defects=True),
    "from_address_with_comment_name.eml": dict(sender="carol@example.net", name="Carol Diaz", defects=False),
    "from_name_without_angle_brackets.eml": dict(sender="dave@example.com", name="Dave Okafor", defects=True),
    "no_from_reply_to_then_sender.eml": dict(sender="erin@example.com", name="Erin Webb", defects=True),
    "no_from_sender_only.eml": dict(sender="frank@example.com", name="Frank Li", defects=True),
    "reply_to_display_name_hides_an_address.eml": dict(
        sender="grace@example.com", reply_to="grace.home@example.org", defects=True
    ),
    "from_display_name_is_another_address.eml": dict(
        sender="heidi@example.com", name="support@utility.example", defects=True
    ),
    # Attachments
    "attachment_names_rfc2231.eml": dict(
        attachments=[
            ("Zählerstand März 2024 – Wohnung 3.pdf", "application/pdf"),
            ("Rechnung für Jänner.pdf", "application/pdf"),
        ],
    ),
    "attachment_names_encoded_words.eml": dict(
        attachments=[("Счёт за электроэнергию.pdf", "application/pdf"), ("請求書.pdf", "application/pdf")],
    ),
    "attachment_name_raw_8bit.eml": dict(
        text="请看附件。",
        attachments=[
            ("检修报告.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        ],
    ),
    "attachment_name_unquoted_with_spaces.eml": dict(
        attachments=[("meter reading march.jpg", "image/jpeg")],
    ),
    "attachment_image_types.eml": dict(
        attachments=[("scan.jpg", "image/jpeg"), ("photo.png", "image/png"), ("part-3.jpg", "image/jpeg")],
    ),
    "attachment_name_too_long.eml": dict(defects=True),  # the name: test_a_name_too_long_is_cut...
    # Bounces and auto-replies
    "bounce_from_the_null_sender.eml": dict(
        sender="mailer-daemon@utility.example",
        name="Mail delivery system",
        automatic=True,
        reply_to_ids=(
            "oss-inbox.reply.42.abc@utility.example",
            "cust-1@gone.example",
            "cust-0@gone.example",
        ),
        text="the mailbox kim@gone.example does not exist",
    ),
    "bounce_daemon_without_domain.eml": dict(
        sender="mailer-daemon@utility.example",
        automatic=True,
        reply_to_ids=("oss-inbox.reply.77.abc@utility.example", "lee-9@full.example"),
    ),
    "auto_reply_without_from.eml": dict(
        sender="mailer-daemon@utility.example",
        automatic=True,
        reply_to_ids=("oss-inbox.reply.7.abc@utility.example",),
        text="I am away until April.",
    ),
    "reused_message_id_first.eml": dict(sender="maya@example.com", automatic=False, defects=False),
    "reused_message_id_second.eml": dict(sender="noah@example.net", automatic=False, defects=False),
}
EXPECTED_UNPARSEABLE = {"no_sender_at_all.eml": "no sender address"}


def parse_case(name):
    return parse_email((CASES / name).read_bytes(), mailbox_address=MAILBOX)


def test_every_case_file_has_its_expectation():
    assert sorted(path.name for path in CASES.glob("*.eml")) == sorted([*EXPECTED, *EXPECTED_UNPARSEABLE])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_case_is_read_as_expected(name):
    expected = EXPECTED[name]
    item = parse_case(name)

    assert isinstance(item, Inbound), getattr(item, "error", "")
    checks = {
        "external_id": item.external_id,
        "sender": item.author.external_id,
        "name": item.author.name,
        "subject": item.subject,
        "automatic": item.is_automatic,
        "reply_to_ids": item.reply_to_ids,
        "reply_to": item.context.get("reply_to"),
        "attachments": [(attachment.filename, attachment.content_type) for attachment in item.attachments],
        "defects": bool(item.context.get("defects")),
    }
    for key, value in expected.items():
        if key == "text":
            assert value in item.text, (name, item.text)
        else:
            assert checks[key] == value, (name, key, checks[key])
    assert "\ufffd" not in item.text + item.subject + item.author.name, name
    assert not any("\udc80" <= char <= "\udcff" for char in item.text + item.subject), name
    assert all(isinstance(defect, str) and defect for defect in item.context.get("defects", [])), name


@pytest.mark.parametrize("name", sorted(EXPECTED_UNPARSEABLE))
def test_case_without_a_sender_is_refused_with_its_reason(name):
    item = parse_case(name)

    assert isinstance(item, Unparseable)
    assert item.error == EXPECTED_UNPARSEABLE[name]
    assert item.external_id == "nobody@example.com"


def test_a_name_too_long_is_cut_to_the_column_keeping_its_extension():
    [attachment] = parse_case("attachment_name_too_long.eml").attachments

    assert len(attachment.filename) == 255
    assert attachment.filename.startswith("Antrag auf Ratenzahlung und Stundung")
    assert attachment.filename.endswith("Schul.pdf")


def test_malformed_header_lines_are_named_in_the_defects():
    [continuation] = parse_case("unindented_continuation.eml").context["defects"]
    [stray] = parse_case("stray_first_line.eml").context["defects"]

    assert "the fridge is warming up" in continuation
    assert "Microsoft Mail Internet Headers Version 2.0" in stray


def test_the_address_is_never_read_from_a_decoded_display_name():
    spoof = parse_case("from_display_name_is_another_address.eml")
    hidden = parse_case("reply_to_display_name_hides_an_address.eml")

    assert spoof.author.external_id == "heidi@example.com"
    assert hidden.context["reply_to"] == "grace.home@example.org"
    assert "evil.example" not in " ".join(hidden.context.get("cc", []))


def test_a_reused_message_id_with_other_content_has_another_digest():
    first, second = parse_case("reused_message_id_first.eml"), parse_case("reused_message_id_second.eml")

    assert first.external_id == second.external_id == "same-id@bulk-mailer.example"
    assert first.context["digest"] != second.context["digest"]
    assert first.context["digest"] == parse_case("reused_message_id_first.eml").context["digest"]
    assert len(first.context["digest"]) == 64


def test_a_message_that_cannot_be_read_at_all_is_an_unparseable_with_a_reason():
    class BrokenFile:
        """A file whose disk fails under it (outside our code)."""

        def read(self, size=-1):
            raise OSError("Input/output error")

        def seek(self, offset, whence=0):
            return 0

    item = parse_email(BrokenFile())

    assert isinstance(item, Unparseable)
    assert "Input/output error" in item.error


# ---- what ingest and the agent make of them ------------------------------------------------------


@pytest.mark.django_db
def test_the_agent_sees_that_an_email_was_malformed(client, agent, mailbox):
    ingest(mailbox, [parse_case("unindented_continuation.eml")])
    ticket = Ticket.objects.get(account=mailbox)

    client.force_login(agent)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()

    assert (
        '<p class="email-defects" role="note">This email was malformed: a header line that is not a header'
        in page
    )
    assert "Please send someone." in page


@pytest.mark.django_db
def test_a_bounce_matching_no_ticket_is_set_aside_not_an_error(mailbox):
    result = ingest(mailbox, [parse_case("bounce_from_the_null_sender.eml")])

    assert (result.failed, result.set_aside, result.stored) == (0, 1, 0)
    [aside] = UnprocessedItem.objects.filter(account=mailbox)
    assert aside.reason == UnprocessedItem.Reason.AUTOMATIC_UNTHREADED
    assert not Ticket.objects.filter(account=mailbox).exists()


@pytest.mark.django_db
def test_a_bounce_joins_the_ticket_of_the_message_it_returns(mailbox):
    customer = (
        b"From: Kim Park <kim@gone.example>\r\nTo: support@utility.example\r\nSubject: Meter access\r\n"
        b"Date: Fri, 22 Mar 2024 09:00:00 +0000\r\nMessage-ID: <cust-1@gone.example>\r\n\r\nCome Monday?\r\n"
    )
    ingest(mailbox, [parse_email(customer, mailbox_address=MAILBOX)])

    result = ingest(mailbox, [parse_case("bounce_from_the_null_sender.eml")])

    ticket = Ticket.objects.get(account=mailbox)
    bounce = Message.objects.get(external_id="dsn-1@mx.gone.example")
    assert (result.failed, result.set_aside, bounce.ticket_id, bounce.is_automatic) == (0, 0, ticket.pk, True)
    assert bounce.author_identity.display_name == "Mail delivery system"


@pytest.mark.django_db
def test_images_by_alias_and_by_extension_are_previewed(mailbox):
    ingest(mailbox, [parse_case("attachment_image_types.eml")])

    message = Message.objects.get(account=mailbox)
    assert [(a.filename, a.is_image) for a in message.attachments.order_by("pk")] == [
        ("scan.jpg", True),
        ("photo.png", True),
        ("part-3.jpg", True),
    ]
