"""Webhook receivers: Meta (Pages, Messenger, Instagram) and X push events here (docs/channels.md
"Webhooks").

- signatures.py: pure checks of the platforms' handshakes and signatures (HMAC-SHA256).
- targets.py: which accounts a body names, and how fresh it is (pure).
- receive.py: a verified body committed as a WebhookDelivery before the platform is answered.
- views.py: the two URLs, /webhooks/meta/ and /webhooks/x/.
- process.py: a delivery read by its account's adapter and ingested exactly as a poll would.
"""
