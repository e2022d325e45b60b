"""channels.email.parse over the recorded .eml corpus and hand-written messages."""

import base64
import mailbox
from datetime import UTC, datetime

import pytest

from channels.base import Author, Inbound, Unparseable
from channels.email.charsets import decode_bytes, decode_header_value
from channels.email.parse import parse_email, parse_mbox
from channels.email.quoting import html_to_text, quote_split

from .corpus import load_bytes, require_corpus

# The corpus messages that cannot become items, and why; every other one must be an Inbound.
EXPECTED_UNPARSEABLE = {
    "cpython/msg_11.eml": "no sender address",  # headers of the enclosing message only
    "cpython/msg_18.eml": "no sender address",  # header-folding test, no From
    "cpython/msg_19.eml": "no sender address",
    "cpython/msg_37.eml": "no sender address",  # MIME structure tests without headers
    "cpython/msg_38.eml": "no sender address",
    "cpython/msg_39.eml": "no sender address",
    "cpython/msg_40.eml": "no sender address",
    "mail-parser/mail_outlook_1.eml": "an Outlook .msg file (OLE compound document), not an RFC 5322 message",
}


def parse(relative_path, **options):
    return parse_email(load_bytes(f"email/{relative_path}"), **options)


# ---- the recorded corpus ----------------------------------------------------------------------


def test_every_corpus_message_is_an_inbound_or_an_explained_unparseable():
    corpus = require_corpus() / "email"
    for path in sorted(corpus.glob("*/*.eml")):
        name = path.relative_to(corpus).as_posix()
        item = parse_email(path.read_bytes(), mailbox_address="support@example.com")
        if name in EXPECTED_UNPARSEABLE:
            assert isinstance(item, Unparseable), name
            assert item.error == EXPECTED_UNPARSEABLE[name]
        else:
            assert isinstance(item, Inbound), f"{name}: {getattr(item, 'error', '')}"
            assert item.sent_at.tzinfo == UTC, name
            assert "\x00" not in item.text and not any("\udc80" <= c <= "\udcff" for c in item.text), name
            assert "\ufffd" not in item.text + item.subject + item.author.name, name
            assert all(len(attachment.filename) <= 255 for attachment in item.attachments), name


def test_no_corpus_message_makes_the_parser_fail():
    corpus = require_corpus() / "email"
    for path in sorted(corpus.glob("*/*.eml")):
        item = parse_email(path.read_bytes())
        assert not getattr(item, "error", "").startswith("the message could not be read"), path.name


def test_delivery_reports_without_a_usable_sender_are_read_from_the_mail_system():
    null_sender = parse("cpython/msg_43.eml", mailbox_address="support@example.com")  # From: MAILER DAEMON <>
    local_name = parse("cpython/msg_05.eml", mailbox_address="support@example.com")  # From: foo, a report

    for item in (null_sender, local_name):
        assert item.is_automatic
        assert item.author == Author(
            "mailer-daemon@example.com", handle="mailer-daemon@example.com", name="Mail delivery system"
        )
        assert item.context["defects"]


def test_plain_message_has_id_sender_subject_date_and_header_summary():
    item = parse("cpython/msg_01.eml")

    assert item.external_id == "15090.61304.110929.45684@aaa.zzz.org"
    assert item.thread_key == "email:15090.61304.110929.45684@aaa.zzz.org"
    assert item.author == Author(external_id="bbb@ddd.com", handle="bbb@ddd.com", name="John X. Doe")
    assert item.subject == "This is a test message"
    assert item.sent_at == datetime(2001, 5, 4, 18, 5, 44, tzinfo=UTC)
    assert item.text == "Hi,\n\nDo you like this message?\n\n-Me"
    assert item.raw["size"] == len(load_bytes("email/cpython/msg_01.eml"))
    assert ["Subject", "This is a test message"] in item.raw["headers"]


def test_delivery_report_is_automatic_and_answers_the_bounced_message():
    item = parse("cpython/msg_16.eml")

    assert item.is_automatic
    assert item.reply_to_ids[0] == "002001c144a6$8752e060$56104586@oxy.edu"
    assert item.author == Author(
        "postmaster@ucla.edu", handle="postmaster@ucla.edu", name="Internet Mail Delivery"
    )
    assert "[scr] yeah for Ians!!.eml" in [attachment.filename for attachment in item.attachments]


def test_bounce_with_only_the_returned_headers_still_finds_the_original_id():
    item = parse("mail-parser/mail_malformed_2.eml")

    assert item.is_automatic
    assert item.reply_to_ids == ("004801d1fc84$01c934ac$b247f0b7$@infospacemail.com",)


def test_bounce_whose_boundary_header_was_cut_off_is_still_read():
    item = parse("cpython/msg_25.eml")  # Content-Type ends in "bo": no boundary parameter at all

    assert item.is_automatic
    assert item.reply_to_ids == ("01040616033903.00962@server",)
    assert item.text.startswith("The original message was received at Fri, 6 Apr 2001")
    assert [a.content_type for a in item.attachments] == ["message/delivery-status", "text/rfc822-headers"]


def test_multipart_with_a_wrong_boundary_is_reread_with_the_one_used():
    assert parse("cpython/msg_31.eml").text == "message 1\n\nmessage 2"
    spam = parse("mail-parser/mail_malformed_3.eml")
    assert spam.text.startswith("Problemas para visualizar | Ver")
    assert "Content-Transfer-Encoding" not in spam.text
    assert spam.html


def test_gb2312_headers_and_a_utf8_body_mislabelled_gb2312_are_decoded():
    item = parse("mail-parser/mail_test_12.eml")

    assert item.author.name == "张先生"
    assert item.subject == "代开各地增值税发票"
    assert item.text.startswith("你好！我公司可代开各类增值税发票")


def test_gb2312_subject_holding_gbk_characters_is_read_as_gb18030():
    item = parse("mail-parser/mail_test_9.eml")

    assert item.subject.startswith("我把镜头拉近些，你们看看这个是什么")
    assert "\ufffd" not in item.subject


def test_parts_in_several_transfer_encodings_and_latin1_are_decoded():
    item = parse("cpython/msg_10.eml")

    assert item.text == (
        "This is a 7bit encoded message.\n\nThis is a Base64 encoded message.\n\n"
        "This is a Base64 encoded message.\n\nThis has no Content-Transfer-Encoding: header."
    )
    assert item.html == "¡This is a Quoted Printable encoded message!"


def test_latin1_body_is_decoded():
    assert "oggi è stato annunciato" in parse("mail-parser/mail_test_10.eml").text


def test_cyrillic_sender_and_attachment_name_are_decoded():
    item = parse("mail-parser/mail_test_1.eml")

    assert item.author.name == "служба ФНС Даниил Суворов"
    assert item.text.startswith("Налогоплательщик!")
    [archive] = item.attachments
    assert (archive.filename, archive.data[:4]) == ("ФНС_РФ558.zip", b"PK\x03\x04")


def test_long_rfc2231_attachment_name_is_decoded():
    [attachment] = parse("mail-parser/mail_test_11.eml").attachments

    assert attachment.filename.startswith("Prokuratura Rejonowa Warszawa-Śródmieście północ")
    assert attachment.filename.endswith(".pdf")
    assert len(attachment.filename) == 184  # as encoded words it is 321 characters: the column holds 255


def test_encoded_display_name_with_a_comma_stays_one_sender():
    item = parse("mail-parser/mail_test_18.eml")

    assert item.author.external_id == "comma.name@example.com"
    assert item.author.name == "LastßlName, FirstName"


def test_in_reply_to_threads_onto_the_parent_message():
    item = parse("mail-parser/mail_test_7.eml")

    assert item.reply_to_ids == ("EEDDF5F5-2786-4B3F-B15A-124A9A29A8D3@agade.info",)
    assert item.thread_key == "email:EEDDF5F5-2786-4B3F-B15A-124A9A29A8D3@agade.info"


def test_image_attachment_keeps_its_bytes_and_type():
    [gif] = parse("cpython/msg_07.eml").attachments

    assert (gif.filename, gif.content_type, gif.data[:6]) == ("dingusfish.gif", "image/gif", b"GIF87a")


def test_attached_messages_become_eml_files_named_by_subject():
    item = parse("cpython/msg_02.eml")

    assert [a.filename for a in item.attachments] == [
        "[Ppp] testing #1.eml",
        "message.eml",  # the second digest entry has no Subject
        "[Ppp] testing #3.eml",
        "[Ppp] testing #4.eml",
        "[Ppp] testing #5.eml",
    ]


def test_message_without_message_id_gets_the_same_generated_id_each_time():
    first, again = parse("cpython/msg_07.eml"), parse("cpython/msg_07.eml")

    assert first.external_id == again.external_id
    assert first.external_id.startswith("generated-") and first.external_id.endswith("@oss-inbox")
    assert first.external_id != parse("cpython/msg_08.eml").external_id


def test_mbox_yields_one_result_per_message(tmp_path):
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    for name in ("cpython/msg_01.eml", "cpython/msg_18.eml", "mail-parser/mail_test_19.eml"):
        box.add(load_bytes(f"email/{name}"))
    box.close()

    items = parse_mbox(tmp_path / "inbox.mbox")

    assert [type(item).__name__ for item in items] == ["Inbound", "Unparseable", "Inbound"]
    assert items[2].external_id == "test-email-as-name@example.com"


# ---- behaviour the corpus lacks ---------------------------------------------------------------


def message(headers="", body="Hello, my meter reads zero.", content_type="text/plain; charset=utf-8"):
    head = (
        "From: Ann Customer <Ann@Example.COM>\r\n"
        "To: support@utility.example\r\n"
        "Subject: Meter\r\n"
        "Date: Tue, 05 Mar 2024 10:02:03 +0100\r\n"
        "Message-ID: <m1@example.com>\r\n"
        f"Content-Type: {content_type}\r\n"
    )
    return (head + headers + "\r\n" + body).encode("utf-8")


def test_plain_customer_message_is_not_automatic():
    item = parse_email(message())

    assert not item.is_automatic
    assert item.author == Author("ann@example.com", handle="ann@example.com", name="Ann Customer")
    assert item.sent_at == datetime(2024, 3, 5, 9, 2, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Auto-Submitted: auto-generated; type=vacation\r\n",
        "Precedence: bulk\r\n",
        "Precedence: auto_reply\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: Out of office\r\n",
        "Return-Path: <>\r\n",
    ],
)
def test_auto_reply_headers_are_each_flagged(header):
    assert parse_email(message(header)).is_automatic


def test_auto_submitted_no_is_a_person_writing():
    assert not parse_email(message("Auto-Submitted: no\r\n")).is_automatic


def test_mail_from_the_mailer_daemon_is_automatic():
    raw = message().replace(b"Ann Customer <Ann@Example.COM>", b"MAILER-DAEMON@mx.example.net")

    assert parse_email(raw).is_automatic


def test_ticket_reference_is_read_from_an_encoded_subject():
    raw = message().replace(b"Subject: Meter", b"Subject: =?utf-8?q?Re=3A_Z=C3=A4hler_=5B=23123=5D?=")

    item = parse_email(raw)

    assert item.subject == "Re: Zähler [#123]"
    assert item.ticket_ref == 123
    assert parse_email(message()).ticket_ref is None


def test_reply_ids_are_in_reply_to_then_references_from_the_closest():
    headers = "In-Reply-To: <c@x>\r\nReferences: <root@x> <b@x>\r\n <c@x>\r\n"

    item = parse_email(message(headers))

    assert item.reply_to_ids == ("c@x", "b@x", "root@x")
    assert item.thread_key == "email:root@x"


def test_gmail_style_quote_is_split_off():
    body = (
        "Still no power.\r\n\r\n"
        # The attribution line, wrapped by Gmail:
        "On Mon, 4 Mar 2024 at 09:00, Utility Support <support@utility.example>\r\nwrote:\r\n"
        "> We are on it.\r\n"
    )

    item = parse_email(message(body=body))

    assert item.text == "Still no power."
    assert item.context["quoted_text"].startswith("On Mon, 4 Mar 2024")
    assert item.context["full_text"].endswith("> We are on it.")


def test_outlook_style_quote_is_split_off():
    body = (
        "Thanks, it works now.\r\n\r\n________________________________\r\nFrom: Utility Support\r\n"
        "Sent: Monday, March 4, 2024 9:00 AM\r\nTo: Ann\r\nSubject: RE: Meter\r\n\r\nPlease restart it.\r\n"
    )

    new, quoted = quote_split(parse_email(message(body=body)).context["full_text"])

    assert new == "Thanks, it works now."
    assert quoted.startswith("________________________________\nFrom: Utility Support")


def test_original_message_separator_and_trailing_angle_quotes_are_split_off():
    assert quote_split("Yes.\n-----Original Message-----\nFrom: a") == (
        "Yes.",
        "-----Original Message-----\nFrom: a",
    )
    assert quote_split("Yes please.\n\n> Shall we send a technician?\n>\n> Thanks\n") == (
        "Yes please.",
        "> Shall we send a technician?\n>\n> Thanks",
    )


@pytest.mark.parametrize(
    "attribution",
    [
        "Le mar. 5 mars 2024 à 10:02, Support <support@utility.example> a écrit :",
        "Am 05.03.2024 um 10:02 schrieb Support <support@utility.example>:",
        "El mar, 5 mar 2024 a las 10:02, Support (<support@utility.example>) escribió:",
    ],
)
def test_attribution_lines_of_other_languages_start_the_quote(attribution):
    assert quote_split(f"Merci.\n\n{attribution}\n> Bonjour") == ("Merci.", f"{attribution}\n> Bonjour")


def test_a_line_starting_with_on_above_the_attribution_stays_new_text():
    text = "On Monday I called twice.\nOn Mon, 4 Mar 2024, Support <s@u.example> wrote:\n> Noted."

    assert quote_split(text)[0] == "On Monday I called twice."


def test_answers_between_quoted_lines_are_kept_as_new_text():
    text = "> When did it start?\nYesterday.\n> Which street?\nElm St."

    assert quote_split(text) == (text, "")


def test_message_that_is_all_quote_is_not_emptied():
    assert quote_split("> only a quote") == ("> only a quote", "")
    assert "quoted_text" not in parse_email(message()).context


def test_html_only_message_is_sanitised_and_read_as_text():
    body = (
        "<html><head><title>Notice</title><style>p {color: red}</style></head><body>"
        "<p>Power&nbsp;is out &amp; the <b>meter</b> is dark.</p><script>alert('x')</script>"
        '<p><a href="https://photos.example/m.jpg" onclick="steal()">photo</a></p></body></html>'
    )

    item = parse_email(message(body=body, content_type="text/html; charset=utf-8"))

    assert "script" not in item.html and "alert" not in item.html and "onclick" not in item.html
    assert "Notice" not in item.html and "color" not in item.html
    assert '<a href="https://photos.example/m.jpg" rel="noopener noreferrer">photo</a>' in item.html
    assert item.text == "Power is out & the meter is dark.\nphoto"


def test_html_to_text_keeps_line_breaks_between_blocks():
    assert html_to_text("<div>Line one<br>Line two</div><p>Para</p>") == "Line one\nLine two\nPara"


def test_missing_message_id_gives_a_stable_id_from_the_bytes():
    raw = message().replace(b"Message-ID: <m1@example.com>\r\n", b"")

    assert parse_email(raw).external_id == parse_email(raw).external_id
    assert parse_email(raw).external_id != parse_email(raw + b"!").external_id
    assert parse_email(raw).thread_key == f"email:{parse_email(raw).external_id}"


def test_garbled_date_falls_back_to_the_newest_received_date():
    received = (
        "Received: from mx by us; Tue, 05 Mar 2024 10:05:00 +0000\r\n"
        "Received: from them by mx; Tue, 05 Mar 2024 10:04:00 +0000\r\n"
    )
    raw = message(received).replace(b"Date: Tue, 05 Mar 2024 10:02:03 +0100", b"Date: sometime last week")

    assert parse_email(raw).sent_at == datetime(2024, 3, 5, 10, 5, tzinfo=UTC)


def test_date_with_unknown_zone_is_read_as_utc():
    raw = message().replace(b"+0100", b"-0000")

    assert parse_email(raw).sent_at == datetime(2024, 3, 5, 10, 2, 3, tzinfo=UTC)


def test_unknown_or_wrong_charset_never_raises():
    raw = message(content_type="text/plain; charset=x-no-such-charset").replace(
        b"zero.", "zéro \xe9".encode("latin-1")
    )

    item = parse_email(raw)

    assert item.text.startswith("Hello, my meter reads z")


def test_undeclared_8bit_header_bytes_are_decoded():
    raw = message().replace(b"Subject: Meter", "Subject: Zähler kaputt".encode())

    assert parse_email(raw).subject == "Zähler kaputt"


def test_reply_to_and_other_recipients_are_kept_for_the_reply():
    headers = "Reply-To: ann.home@example.org\r\nCc: Bob <bob@example.com>, support@utility.example\r\n"

    item = parse_email(message(headers), mailbox_address="Support@Utility.example")

    assert item.context["reply_to"] == "ann.home@example.org"
    assert item.context["cc"] == ["bob@example.com"]


def test_inline_image_without_a_name_is_an_attachment():
    body = (
        "--b\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n"
        "--b\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        "iVBORw0KGgo=\r\n"
        "--b--\r\n"
    )

    item = parse_email(message(body=body, content_type='multipart/related; boundary="b"'))

    assert item.text == "See the photo."
    [image] = item.attachments
    assert (image.filename, image.content_type, image.data) == (
        "part-1.png",
        "image/png",
        b"\x89PNG\r\n\x1a\n",
    )


def test_bytes_are_required():
    with pytest.raises(ValueError, match="raw bytes"):
        parse_email("From: a@b\r\n\r\nhi")


# ---- charsets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("停电投诉：我家的电表坏了", "gb18030"),
        ("张先生", "gb18030"),
        ("電気料金のお問い合わせ（①について）", "cp932"),
        ("山田太郎", "cp932"),
        ("ご請求について", "euc_jp"),
        ("電費查詢", "cp950"),
        ("전기 요금 문의", "cp949"),
        ("Zählerstand für März", "cp1252"),
        ("Prokuratura Rejonowa Warszawa-Śródmieście północ", "cp1250"),
        ("Счётчик не работает", "cp1251"),
        ("Счётчик не работает", "koi8_r"),
    ],
)
def test_undeclared_text_in_a_common_charset_is_detected_even_when_short(text, codec):
    assert decode_bytes(text.encode(codec)).text == text


def test_declared_charsets_are_read_as_their_vendor_supersets():
    assert decode_bytes("①\u3000～".encode("cp932"), "shift_jis").text == "①\u3000～"
    assert decode_bytes("囧".encode("gbk"), "gb2312").text == "囧"
    assert decode_bytes("똠".encode("cp949"), "ks_c_5601-1987").text == "똠"
    assert decode_bytes("“5 €”".encode("cp1252"), "iso-8859-1").text == "“5 €”"
    assert decode_bytes(b"\x93Zahl\x94 \xb1", "iso-8859-2").text == "“Zahl” ą"  # C1 bytes read as cp1250


def test_iso_2022_jp_with_nec_circled_digits_is_read():
    # "①停電" as Outlook writes it (CP50220): the circled digit is JIS row 13, outside ISO-2022-JP.
    assert decode_bytes(b"\x1b$B-!DdEE\x1b(B ok").text == "①停電 ok"


def test_utf8_with_a_stray_windows_byte_stays_utf8():
    decoded = decode_bytes("Счётчик ".encode() * 20 + b"caf\xe9", "utf-8")

    assert decoded.text.endswith("Счётчик café")
    assert "not UTF-8" in decoded.note


def test_a_mislabelled_encoded_word_says_so():
    subject = "=?ISO-2022-JP?B?" + base64.b64encode("検針票".encode("cp932")).decode() + "?="

    decoded = decode_header_value(subject)

    assert decoded.text == "検針票"
    assert decoded.note == "labelled ISO-2022-JP but not written in it, read as Shift_JIS (cp932)"
