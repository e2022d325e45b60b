"""make run's Instagram: simulated customers comment on the sandbox account's posts and write it
DMs, and each is pushed as Meta's Instagram webhook, which reads back as the same item a poll gives."""

from types import SimpleNamespace

from channels.instagram.webhook import read_webhook
from channels.sandbox.instagram_api import InstagramApiSandbox
from channels.sandbox.simulator import Simulator
from channels.sandbox.webhooks import BODIES


class Mailbox:
    username = ""

    def deliver(self, raw):
        pass


def test_customers_write_instagram_comments_and_dms_and_their_webhooks_name_the_same_items():
    instagram = InstagramApiSandbox()  # never started: the simulator writes into its state
    simulator = Simulator(
        x=None,
        graph=SimpleNamespace(add_post=lambda text: text),
        imap=Mailbox(),
        mailbox="",
        seed=3,
        instagram=instagram,
    )
    servers = SimpleNamespace(instagram=instagram)

    comment = simulator.write("ig_comment", text="Lights out on Oak Ave")
    answer = simulator.write("ig_comment", customer=0)  # someone who wrote before
    dm = simulator.write("ig_dm", text="My bill doubled")

    assert {"ig_comment", "ig_dm"} <= set(simulator.kinds)
    for written in (comment, answer, dm):
        platform, build = BODIES[written["kind"]]
        reading = read_webhook(build(servers, written["id"]), ig_id=instagram.account_id)
        (item,) = reading.items
        assert platform == "meta" and (item.external_id, item.kind, item.text) == (
            written["id"],
            written["kind"],
            written["text"],
        )
    state = instagram.state
    assert state.comments[comment["id"]]["text"] == "Lights out on Oak Ave"
    assert state.item_ids() == {comment["id"], answer["id"], dm["id"]}


def test_without_an_instagram_sandbox_customers_write_no_instagram():
    simulator = Simulator(
        x=None, graph=SimpleNamespace(add_post=lambda text: text), imap=Mailbox(), mailbox="", seed=3
    )

    assert not any(kind.startswith("ig_") for kind in simulator.kinds)
