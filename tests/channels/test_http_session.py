"""PrefixRewritingSession: requests for the real API host reach a loopback server, and none waits forever."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from channels.http import DEFAULT_TIMEOUT, PrefixRewritingSession

API = "https://api.twitter.com"


class EchoHandler(BaseHTTPRequestHandler):
    """Answers with the path it was asked for; waits first when the path says /slow."""

    def do_GET(self):  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        body = self.path.encode()
        try:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    server.daemon_threads = True
    server.block_on_close = False
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_request_for_the_api_host_reaches_the_other_prefix_with_path_and_query(echo_server):
    session = PrefixRewritingSession(API, echo_server)
    response = session.get(f"{API}/2/users/1/mentions", params={"since_id": "5", "max_results": "100"})
    assert response.text == "/2/users/1/mentions?since_id=5&max_results=100"


def test_a_prefix_given_with_a_trailing_slash_makes_no_double_slash(echo_server):
    session = PrefixRewritingSession(API + "/", echo_server + "/")
    assert session.get(f"{API}/2/users/me").text == "/2/users/me"


@pytest.mark.parametrize(
    "url",
    [
        # A look-alike host, not a path under the prefix:
        "https://api.twitter.com.attacker.example/2/users/me",
        "https://graph.facebook.com/v21.0/me",
        "http://api.twitter.com/2/users/me",
    ],
)
def test_other_hosts_are_left_alone(url):
    assert PrefixRewritingSession(API, "http://127.0.0.1:8101").rewrite(url) == url


def test_without_a_target_prefix_urls_are_left_alone():
    session = PrefixRewritingSession(API, "")
    assert session.rewrite(f"{API}/2/users/me") == f"{API}/2/users/me"
    assert session.timeout == DEFAULT_TIMEOUT


def test_a_request_without_a_timeout_gets_the_default_one(echo_server):
    session = PrefixRewritingSession(API, echo_server, timeout=(5, 0.3))
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        session.get(f"{API}/slow")
    assert time.monotonic() - started < 0.9


def test_a_timeout_given_by_the_caller_wins(echo_server):
    session = PrefixRewritingSession(API, echo_server, timeout=(5, 0.3))
    assert session.get(f"{API}/slow", timeout=5).text == "/slow"
    with pytest.raises(requests.ReadTimeout):
        PrefixRewritingSession(API, echo_server).get(f"{API}/slow", timeout=0.3)


def test_a_timeout_passed_positionally_is_kept(echo_server):
    session = PrefixRewritingSession(API, echo_server, timeout=(5, 0.3))
    # Session.request(method, url, params, data, headers, cookies, files, auth, timeout)
    response = session.request("GET", f"{API}/slow", None, None, None, None, None, None, 5)
    assert response.text == "/slow"


def test_the_default_timeout_also_applies_when_nothing_is_rewritten(echo_server):
    session = PrefixRewritingSession(API, None, timeout=(5, 0.3))
    with pytest.raises(requests.ReadTimeout):
        session.get(f"{echo_server}/slow")
