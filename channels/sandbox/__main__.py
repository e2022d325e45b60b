"""`python -m channels.sandbox`: the fake X API, Graph API, IMAP and SMTP servers on loopback, and
customers writing to them every few seconds. `make run` starts it and points the demo accounts at
it (manage.py connect_sandbox), so the real pollers fill the queue and replies land here.
`--storm` also plays a storm night (storm_play.py): customers of six areas report outages at 50
times the everyday pace, with its ground truth and an outage map on the control server.
"""

import argparse
import logging
import os
import signal
import threading
from types import SimpleNamespace

from .control import ControlServer
from .graph_api import GraphApiSandbox
from .instagram_api import InstagramApiSandbox
from .mail import ImapSandbox, SmtpSink
from .ports import MAIL_PASSWORD, MAILBOX, PORTS, WEBHOOK_SECRETS
from .simulator import Simulator
from .webhooks import WebhookSender
from .x_api import XApiSandbox

log = logging.getLogger("sandbox")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet-customers", action="store_true", help="Serve the APIs, but nobody writes.")
    every = [float(seconds) for seconds in os.environ.get("SANDBOX_CUSTOMER_EVERY", "8 20").split()]
    parser.add_argument(
        "--every",
        type=float,
        nargs=2,
        default=every,
        metavar=("MIN", "MAX"),
        help="Seconds between two customers' messages (default 8 to 20, or SANDBOX_CUSTOMER_EVERY).",
    )
    parser.add_argument(
        "--webhook-url",
        default=os.environ.get("SANDBOX_WEBHOOK_URL", ""),
        help="Where the app takes webhooks (default the app's address: make run's PORT).",
    )
    parser.add_argument(
        "--no-webhooks",
        action="store_true",
        default=os.environ.get("SANDBOX_WEBHOOKS", "1") == "0",
        help="Push nothing: the app finds every message by polling (or SANDBOX_WEBHOOKS=0).",
    )
    parser.add_argument(
        "--drop-webhooks",
        type=float,
        default=float(os.environ.get("SANDBOX_DROP_WEBHOOKS", "0")),
        metavar="SHARE",
        help="Lose this share of the webhooks (0 to 1, e.g. 0.3; or SANDBOX_DROP_WEBHOOKS).",
    )
    parser.add_argument(
        "--drop-seed", type=int, default=19, help="Which deliveries are dropped (default 19)."
    )
    storm = parser.add_argument_group("a storm night (channels/sandbox/storm.py, docs/storm.md)")
    storm.add_argument(
        "--storm",
        action="store_true",
        help="Once started, play the storm scenario: customers of six areas report outages on every channel.",
    )
    storm.add_argument("--storm-minutes", type=_positive, default=30.0, metavar="MINUTES", help="Default 30.")
    storm.add_argument(
        "--storm-rate",
        type=_positive,
        default=50.0,
        metavar="TIMES",
        help="Messages a minute, as a multiple of the everyday pace (default 50).",
    )
    storm.add_argument(
        "--storm-seed", type=int, default=1, help="Which storm (default 1): the same seed, the same night."
    )
    return parser


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not more than 0")
    return value


def main():
    args = build_parser().parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection
    # Each simulated customer's message is a line: shown unless the console is asked to be quiet
    # (`make run` sets LOG_LEVEL=WARNING, so that its start, and the demo logins, stay in view).
    logging.getLogger("channels.sandbox.simulator").setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

    x = XApiSandbox(port=PORTS["x"])
    graph = GraphApiSandbox(port=PORTS["graph"], app_secret=WEBHOOK_SECRETS["meta"])
    x.state.lenient = graph.lenient = True  # replies to demo history the sandbox never saw
    servers = [
        x,
        graph,
        SmtpSink(port=PORTS["smtp"]),
        ImapSandbox(port=PORTS["imap"], username=MAILBOX, password=MAIL_PASSWORD),
    ]
    instagram = InstagramApiSandbox(port=PORTS["instagram"], app_secret=WEBHOOK_SECRETS["meta"])
    servers.append(instagram)
    for server in servers:
        server.start()
    simulator = Simulator(
        x=x,
        graph=graph,
        imap=servers[3],
        mailbox=servers[3].username,
        interval=args.every,
        instagram=instagram,
    )
    # The app's address, for the control page's link and the webhooks: make run passes on its PORT.
    app_url = os.environ.get("SANDBOX_APP_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
    if not args.no_webhooks:
        simulator.webhooks = WebhookSender(
            args.webhook_url or app_url,
            secrets=WEBHOOK_SECRETS,
            servers=SimpleNamespace(x=x, graph=graph, instagram=instagram),
            drop=args.drop_webhooks,
            seed=args.drop_seed,
        ).start()
    if not args.quiet_customers:
        simulator.start()
    control = ControlServer(
        simulator=simulator, x=x, graph=graph, smtp=servers[2], port=PORTS["control"], app_url=app_url
    )
    control.webhooks = simulator.webhooks
    control.servers = {
        "X API": f"http://127.0.0.1:{PORTS['x']}/",
        "Graph API": f"http://127.0.0.1:{PORTS['graph']}/",
        "Instagram API": f"http://127.0.0.1:{PORTS['instagram']}/",
        "IMAP": f"127.0.0.1:{PORTS['imap']} ({MAILBOX} / {MAIL_PASSWORD})",
        "SMTP": f"127.0.0.1:{PORTS['smtp']}",
    }
    servers.append(control.start())  # started last: once it answers, every server behind it does too
    if args.storm:
        control.storm_scenario(seed=args.storm_seed, minutes=args.storm_minutes, rate=args.storm_rate)
        log.warning("Storm scenario started: %s", control.player.state())
    log.info(
        "Sandbox: X API http://127.0.0.1:%(x)s/  Graph API http://127.0.0.1:%(graph)s/  "
        "Instagram API http://127.0.0.1:%(instagram)s/  "
        "IMAP 127.0.0.1:%(imap)s  SMTP 127.0.0.1:%(smtp)s (open the HTTP ones to see replies)  "
        "control page http://127.0.0.1:%(control)s/ (buttons: a customer writes now, a storm, faults)",
        PORTS,
    )
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()
        control.player.stop()
        if simulator.webhooks is not None:
            simulator.webhooks.stop()
        for server in reversed(servers):
            server.stop()


if __name__ == "__main__":
    main()
