"""The sandbox's control page, for scripts and tests: make a customer write now, see what we sent.

    POST /write/<kind>   kind: mention, dm, comment, messenger or email; optional JSON body
                         {"text": "..."}. Answers what was written: {"kind", "customer", "text", "id"}.
    GET  /sent           What the app sent into the sandbox, as JSON: {"tweets", "dms", "facebook", "mail"}.
    GET  /written        Every message the customers wrote so far: [{"kind", "customer", "text", "id"}].
    POST /pause          The simulated customers stop writing (the soak test's last minute of catching up).

`make run`'s sandbox serves it on 127.0.0.1:SANDBOX_CONTROL_PORT (8103).
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

KINDS = ("mention", "dm", "comment", "messenger", "email")


class UnknownKind(Exception):
    pass


class ControlServer:
    def __init__(self, *, simulator, x, graph, smtp, host="127.0.0.1", port=0):
        self.simulator, self.x, self.graph, self.smtp = simulator, x, graph, smtp
        self.host, self.port = host, port
        self._server = None

    def start(self):
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.control = self
        self.port = self._server.server_address[1]
        serve = {
            "target": self._server.serve_forever,
            "kwargs": {"poll_interval": 0.2},
            "name": "sandbox-control",
        }
        threading.Thread(**serve, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def write(self, kind, text=None):
        if kind not in KINDS:
            raise UnknownKind(kind)
        return self.simulator.write(kind, text=text)

    def written(self):
        return self.simulator.written()

    def sent(self):
        return {
            "tweets": self.x.posted_tweets,
            "dms": self.x.sent_dms,
            "facebook": self.graph.replies,  # comment replies, Messenger messages, private replies
            "mail": [_mail(received) for received in self.smtp.received],
        }


def _mail(received):
    message = received.message()
    body = message.get_body(preferencelist=("plain", "html"))
    return {
        "to": list(received.rcpt_tos),
        "subject": message["Subject"] or "",
        "message_id": message["Message-ID"] or "",
        "in_reply_to": message["In-Reply-To"] or "",
        "references": message["References"] or "",
        "text": body.get_content() if body is not None else "",
    }


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = urlsplit(self.path).path
        if path == "/sent":
            self._answer(200, self.server.control.sent())
        elif path == "/written":
            self._answer(200, self.server.control.written())
        else:
            self._answer(404, {"error": "GET /sent or /written, or POST /write/<kind> or /pause"})

    def do_POST(self):  # noqa: N802
        path = urlsplit(self.path).path
        if path == "/pause":
            self.server.control.simulator.stop()
            self._answer(200, {"paused": True})
            return
        if not path.startswith("/write/"):
            self._answer(404, {"error": "POST /write/<kind>"})
            return
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            text = (json.loads(raw) if raw else {}).get("text")
            self._answer(200, self.server.control.write(path.removeprefix("/write/"), text=text))
        except UnknownKind:
            self._answer(404, {"error": f"kind is one of {', '.join(KINDS)}"})
        except (ValueError, AttributeError):
            self._answer(400, {"error": 'the body is JSON: {"text": "..."}'})

    def _answer(self, status, payload):
        content = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass
