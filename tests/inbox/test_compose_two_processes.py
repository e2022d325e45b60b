"""Two web processes, each with its own per-process (locmem) cache, and one composed reply posted
four times at once across them (a double click, a browser retrying, a load balancer resending):
one reply reaches the customer (issue 13, acceptance item 2).

Two gunicorn processes serve one SQLite file in a temporary folder; the suite's own test database
is not involved. About 15 seconds.
"""

import re
import sqlite3
import threading

import pytest
import requests

from bench.servers import DATABASE_FILE, signed_in, ticket_database, web_env, web_processes


@pytest.fixture
def two_web_processes(tmp_path):
    """(base URLs of two web processes, the ticket's id, the database file)."""
    env = web_env(tmp_path, CACHE_URL="locmem://")
    ticket_id = ticket_database(env)
    with web_processes(env, 2) as urls:
        yield urls, ticket_id, tmp_path / DATABASE_FILE


def test_four_concurrent_posts_of_one_composed_reply_across_two_processes_store_one_reply(two_web_processes):
    urls, ticket_id, database = two_web_processes
    browser = signed_in(urls[0])
    page = browser.get(f"{urls[0]}/tickets/{ticket_id}/", timeout=10).text
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {"text": "Crews are on their way.", "action": "reply", "once": once,
            "seen_outbound": "0", "csrfmiddlewaretoken": browser.cookies["csrftoken"]}  # fmt: skip
    start, answers = threading.Barrier(4), [None] * 4

    def post(index):
        clicker = requests.Session()
        clicker.cookies.update(browser.cookies)
        start.wait()
        answers[index] = clicker.post(f"{urls[index % 2]}/tickets/{ticket_id}/compose/", form,
                                      allow_redirects=False, timeout=60)  # fmt: skip

    threads = [threading.Thread(target=post, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(answer.status_code, answer.headers.get("Location")) for answer in answers] == [
        (302, f"/tickets/{ticket_id}/")
    ] * 4
    with sqlite3.connect(database) as db:
        replies = db.execute(
            "SELECT text FROM tickets_message WHERE ticket_id = ? AND direction = 'outbound'", [ticket_id]
        ).fetchall()
    assert replies == [("Crews are on their way.",)]
