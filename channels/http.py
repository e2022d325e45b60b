"""An HTTP session for channel clients: a timeout on every call, and an optional base-URL swap.

Client libraries (tweepy, the Graph client) build their URLs from a hard-coded host. Swapping the
host here, below the library, lets the same client talk to the sandbox servers on loopback
without patching the library; and the library cannot forget a timeout, because the session adds
one to every request that has none.
"""

import requests

DEFAULT_TIMEOUT = (5, 20)  # seconds: (connect, read)
# Session.request(method, url, params, data, headers, cookies, files, auth, timeout, ...):
# `timeout` is the seventh argument after the url.
TIMEOUT_POSITION = 6


class PrefixRewritingSession(requests.Session):
    """Sends requests for `from_prefix...` to `to_prefix...`; with no `to_prefix`, only adds timeouts."""

    def __init__(self, from_prefix, to_prefix, timeout=DEFAULT_TIMEOUT):
        super().__init__()
        self.from_prefix = from_prefix.rstrip("/")
        self.to_prefix = (to_prefix or "").rstrip("/")
        self.timeout = timeout

    def rewrite(self, url):
        if not self.to_prefix or not url.startswith(self.from_prefix):
            return url
        rest = url[len(self.from_prefix) :]
        # "https://api.twitter.com.example" is another host, not a path under the prefix.
        if rest and rest[0] not in "/?#":
            return url
        return self.to_prefix + rest

    def request(self, method, url, *args, **kwargs):
        if len(args) > TIMEOUT_POSITION:
            if args[TIMEOUT_POSITION] is None:
                args = (*args[:TIMEOUT_POSITION], self.timeout, *args[TIMEOUT_POSITION + 1 :])
        elif kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, self.rewrite(url), *args, **kwargs)
