"""parse_email over generated MIME trees: it never raises, and always gives an item or a reason.

The trees nest multipart/mixed, alternative, related and report parts at random, declare charsets
rightly or wrongly (or not at all), use every transfer encoding (and some that do not exist), name
attachments in every form (RFC 2231, encoded words, raw 8-bit, unquoted, far too long), and mix
junk into the headers: lines that are not headers, raw bytes, broken encoded words, wrong boundaries.
"""

import base64
import quopri

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels.base import Inbound, Unparseable
from channels.email.parse import parse_email

# (declared label, codec the bytes are really in): right, wrong, missing, unknown.
CHARSETS = [
    ("utf-8", "utf-8"),
    ("iso-8859-1", "cp1252"),
    ("windows-1252", "cp1252"),
    ("gb2312", "gbk"),
    ("gb2312", "utf-8"),
    ("shift_jis", "cp932"),
    ("iso-2022-jp", "cp932"),
    ("iso-2022-jp", "iso2022_jp"),
    ("euc-kr", "cp949"),
    ("ks_c_5601-1987", "cp949"),
    ("koi8-r", "koi8_r"),
    ("big5", "big5"),
    ("us-ascii", "cp1252"),
    ("x-no-such-charset", "latin-1"),
    ("utf-16", "utf-16"),
    ("", "cp932"),
    ("", "gb18030"),
    (None, "utf-8"),
]
SNIPPETS = [
    "Hello, my meter reads zero.",
    "停电投诉：我家的电表坏了",
    "電気料金のお問い合わせ（①について）",
    "Zählerstand für März – 80 €",
    "전기 요금 문의 똠",
    "Счётчик не работает",
    "“quoted” text… ok",
    "囧 镕",
    "line\r\nbreaks\r\n\r\nand paragraphs",
    "=?utf-8?q?not_really?= <x@y>",
]
TYPES = [
    "text/plain",
    "text/html",
    "image/jpeg",
    "image/jpg",
    "image/pjpeg",
    "application/pdf",
    "application/octet-stream",
    "message/rfc822",
    "text/rfc822-headers",
    "message/delivery-status",
]
ENCODINGS = ["", "7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "BASE64 "]
SENDERS = [
    b"From: Ann Customer <ann@example.com>",
    b"From: ann@example.com (Ann)",
    b"From: Ann ann@example.com",
    b"From: <ann@example.com.>",
    b"From: =?utf-8?b?YXR0YWNrZXJAZXZpbC5leGFtcGxlDQpCY2M6IHg=?= <ann@example.com>",
    b"From: MAILER-DAEMON",
    b"From: <>",
    b"From: \xd5\xc5\xcf\xc8\xc9\xfa <zhang@example.cn>",
    b"Reply-To: Erin <erin@example.com>",
    b"Sender: frank@example.com",
    b"",
]

texts = st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=60))
junk_lines = st.one_of(
    st.binary(max_size=40).map(lambda data: data.replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from(
        [
            b"Microsoft Mail Internet Headers Version 2.0",
            b"the rest of the subject, unindented",
            b"X-Broken: =?utf-8?B?!!notbase64?=",
            b"Subject: =?iso-2022-jp?B?" + base64.b64encode("料金".encode("cp932")) + b"?=",
            b"Content-Type: multipart/mixed",
            b"\tcontinued",
            b": no name",
        ]
    ),
)


@st.composite
def encoded_text(draw):
    label, codec = draw(st.sampled_from(CHARSETS))
    data = draw(texts).encode(codec, errors="replace")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=8))  # stray bytes no charset reads
    return label, data


@st.composite
def filename_parameter(draw):
    name = draw(st.one_of(st.sampled_from(["Zählerstand März.pdf", "检修报告.docx", "photo.jpg"]), st.text()))
    form = draw(
        st.sampled_from(["none", "quoted", "unquoted", "rfc2231", "continued", "word", "raw", "long"])
    )
    if form == "none":
        return b""
    if form == "quoted":
        return b'; filename="' + name.encode("utf-8", "replace") + b'"'
    if form == "unquoted":
        return b"; filename=" + name.encode("utf-8", "replace")
    if form in ("rfc2231", "continued"):
        charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "gb2312", "bogus", ""]))
        encoded = "".join(f"%{byte:02X}" for byte in name.encode("utf-8", "replace")).encode()
        if form == "rfc2231":
            return b"; filename*=" + charset.encode() + b"''" + encoded
        half = len(encoded) // 2
        return (
            b";\r\n filename*0*="
            + charset.encode()
            + b"''"
            + encoded[:half]
            + b";\r\n filename*1*="
            + encoded[half:]
        )
    if form == "word":
        label, data = draw(encoded_text())
        return b'; filename="=?' + (label or "x").encode() + b"?B?" + base64.b64encode(data) + b'?="'
    if form == "raw":
        return (
            b'; filename="'
            + name.encode(draw(st.sampled_from(["gbk", "cp932", "latin-1"])), "replace")
            + b'"'
        )
    return b'; filename="' + ("x" * draw(st.integers(250, 400))).encode() + b'.pdf"'


@st.composite
def leaf(draw):
    content_type = draw(st.sampled_from(TYPES))
    label, data = draw(encoded_text())
    encoding = draw(st.sampled_from(ENCODINGS))
    headers = [b"Content-Type: " + content_type.encode() + (b"; charset=" + label.encode() if label else b"")]
    disposition = draw(st.sampled_from([b"", b"inline", b"attachment", b"garbage;;="]))
    filename = draw(filename_parameter())
    if disposition or filename:
        headers.append(b"Content-Disposition: " + (disposition or b"attachment") + filename)
    if encoding:
        headers.append(b"Content-Transfer-Encoding: " + encoding.encode())
    if encoding.strip().lower() == "base64":
        data = base64.encodebytes(data)
        if draw(st.booleans()):
            data = data[: draw(st.integers(0, len(data)))]  # cut off mid-way
    elif encoding == "quoted-printable":
        data = quopri.encodestring(data)
    return b"\r\n".join(headers) + b"\r\n\r\n" + data


def multipart(children):
    return st.builds(
        _multipart,
        st.sampled_from(["mixed", "alternative", "related", "report"]),
        st.sampled_from(["b1", "=_Part_0_123.456", "same", ""]),
        st.booleans(),
        children,
    )


def _multipart(subtype, boundary, wrong_boundary, parts):
    used = (boundary or "unused") + ("x" if wrong_boundary else "")
    declared = f'; boundary="{boundary}"' if boundary else ""
    body = b"".join(b"--" + used.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    body += b"--" + used.encode() + b"--\r\n"
    return f"Content-Type: multipart/{subtype}{declared}".encode() + b"\r\n\r\n" + body


trees = st.recursive(leaf(), lambda children: multipart(st.lists(children, max_size=4)), max_leaves=8)


@st.composite
def messages(draw):
    tree = draw(trees)
    part_headers, _, body = tree.partition(b"\r\n\r\n")
    subject_label, subject = draw(encoded_text())
    subject_line = draw(
        st.sampled_from(
            [
                b"Subject: " + subject.replace(b"\r", b"").replace(b"\n", b""),
                b"Subject: =?" + (subject_label or "x").encode() + b"?B?" + base64.b64encode(subject) + b"?=",
            ]
        )
    )
    headers = [
        draw(st.sampled_from(SENDERS)),
        b"To: support@utility.example",
        subject_line,
        draw(st.sampled_from([b"Message-ID: <m1@example.com>", b"Message-ID: broken", b""])),
        draw(st.sampled_from([b"Date: Tue, 05 Mar 2024 10:02:03 +0100", b"Date: sometime", b""])),
        draw(st.sampled_from([b"", b"Auto-Submitted: auto-replied", b"In-Reply-To: <r@x>"])),
        b"MIME-Version: 1.0",
        *part_headers.split(b"\r\n"),
    ]
    for _ in range(draw(st.integers(0, 3))):
        headers.insert(draw(st.integers(0, len(headers))), draw(junk_lines))
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    raw = newline.join(line for line in headers if line) + newline + newline + body
    return raw.replace(b"\r\n", newline)


def check(item):
    assert isinstance(item, (Inbound, Unparseable))
    if isinstance(item, Unparseable):
        assert isinstance(item.error, str) and item.error.strip()
        return
    assert item.author.external_id
    for text in (item.text, item.subject, item.author.name, item.html):
        assert "\x00" not in text
        assert not any("\udc80" <= char <= "\udcff" for char in text)
    assert all(len(attachment.filename) <= 255 for attachment in item.attachments)
    assert all(isinstance(defect, str) and defect for defect in item.context.get("defects", []))
    assert len(item.context["digest"]) == 64


FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@FUZZ
@given(messages())
def test_generated_mime_trees_never_raise(raw):
    check(parse_email(raw, mailbox_address="support@utility.example"))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw):
    check(parse_email(raw))
