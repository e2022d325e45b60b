"""The platforms' handshakes and signatures, checked over the raw bytes. Pure: no database.

- Meta signs every delivery with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body, keyed with
  the app secret>`, and verifies the callback URL once with a GET carrying `hub.verify_token`, which
  must equal the token typed into the app dashboard, and `hub.challenge`, which is answered as is.
- X signs every delivery with `x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256 of the body,
  keyed with the app's consumer secret>`, and checks the URL (at registration, about hourly, and on
  demand) with a GET `?crc_token=`, answered `{"response_token": "sha256=<base64 HMAC of the token>"}`.

Every comparison takes constant time, so that a forger learns nothing from how long a refusal takes.
"""

import base64
import hashlib
import hmac

PREFIX = "sha256="


def meta_signature(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 header Meta sends with `body`."""
    return PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def x_signature(body: bytes, consumer_secret: str) -> str:
    """The x-twitter-webhooks-signature header X sends with `body`."""
    return PREFIX + _base64_hmac(consumer_secret, body)


def crc_response_token(crc_token: str, consumer_secret: str) -> str:
    """X's CRC answer: the token's HMAC-SHA256 keyed with the consumer secret, base64, prefixed."""
    return PREFIX + _base64_hmac(consumer_secret, crc_token.encode())


def meta_signed(body: bytes, header: str, app_secret: str) -> bool:
    """Whether the header is Meta's signature of `body` with this app secret (hex, either case)."""
    if not app_secret or not header:
        return False
    return hmac.compare_digest(header.strip().lower().encode(), meta_signature(body, app_secret).encode())


def x_signed(body: bytes, header: str, consumer_secret: str) -> bool:
    if not consumer_secret or not header:
        return False
    return hmac.compare_digest(header.strip().encode(), x_signature(body, consumer_secret).encode())


def same_token(given: str, expected: str) -> bool:
    """A verify token compared in constant time; an empty expected token matches nothing."""
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _base64_hmac(secret: str, data: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), data, hashlib.sha256).digest()).decode()
