"""import_history --helpdesk-database: django-helpdesk's own tables, as its migrations create them
(the columns read here, with their types; django-helpdesk itself is not installed)."""

import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from oss_inbox.tickets.models import Ticket

pytestmark = pytest.mark.django_db

# django-helpdesk's schema (helpdesk/models: Queue, Ticket, FollowUp; django.contrib.auth's User),
# the columns as its migrations leave them on PostgreSQL.
SCHEMA = [
    """CREATE TABLE auth_user (
        id integer PRIMARY KEY, password varchar(128) NOT NULL, last_login timestamp with time zone NULL,
        is_superuser boolean NOT NULL, username varchar(150) NOT NULL UNIQUE,
        first_name varchar(150) NOT NULL, last_name varchar(150) NOT NULL, email varchar(254) NOT NULL,
        is_staff boolean NOT NULL,
        is_active boolean NOT NULL, date_joined timestamp with time zone NOT NULL)""",
    """CREATE TABLE helpdesk_queue (
        id integer PRIMARY KEY, title varchar(100) NOT NULL, slug varchar(50) NOT NULL UNIQUE,
        email_address varchar(254) NULL, locale varchar(10) NULL, allow_public_submission boolean NOT NULL,
        allow_email_submission boolean NOT NULL, escalate_days integer NULL,
        new_ticket_cc varchar(200) NULL, updated_ticket_cc varchar(200) NULL,
        enable_notifications_on_email_events boolean NOT NULL, email_box_type varchar(5) NULL,
        email_box_host varchar(200) NULL, email_box_port integer NULL, email_box_ssl boolean NOT NULL,
        email_box_user varchar(200) NULL, email_box_pass varchar(200) NULL,
        email_box_imap_folder varchar(100) NULL, email_box_local_dir varchar(200) NULL,
        permission_name varchar(72) NULL, email_box_interval integer NULL,
        email_box_last_check timestamp with time zone NULL, socks_proxy_type varchar(8) NULL,
        socks_proxy_host varchar(39) NULL, socks_proxy_port integer NULL, logging_type varchar(5) NULL,
        logging_dir varchar(200) NULL, default_owner_id integer NULL, dedicated_time interval NULL)""",
    """CREATE TABLE helpdesk_ticket (
        id integer PRIMARY KEY, title varchar(200) NOT NULL, created timestamp with time zone NOT NULL,
        modified timestamp with time zone NOT NULL, submitter_email varchar(254) NULL,
        status integer NOT NULL, on_hold boolean NOT NULL, description text NULL, resolution text NULL,
        priority integer NOT NULL,
        due_date timestamp with time zone NULL, last_escalation timestamp with time zone NULL,
        assigned_to_id integer NULL REFERENCES auth_user (id), queue_id integer NOT NULL
        REFERENCES helpdesk_queue (id), secret_key varchar(36) NOT NULL, kbitem_id integer NULL,
        merged_to_id integer NULL)""",
    """CREATE TABLE helpdesk_followup (
        id integer PRIMARY KEY, date timestamp with time zone NOT NULL, title varchar(200) NULL,
        comment text NULL, public boolean NOT NULL, new_status integer NULL,
        ticket_id integer NOT NULL REFERENCES helpdesk_ticket (id), user_id integer NULL
        REFERENCES auth_user (id), message_id varchar(256) NULL, time_spent interval NULL)""",
]
T0 = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)


def rows():
    def at(minutes):
        return T0 + timedelta(minutes=minutes)

    return [
        ("INSERT INTO auth_user VALUES (7, '!', NULL, false, 'pat', 'Pat', 'Ray', 'pat@utility.example', "
         "true, true, %s)", [at(0)]),
        ("INSERT INTO helpdesk_queue (id, title, slug, allow_public_submission, allow_email_submission, "
         "enable_notifications_on_email_events, email_box_ssl) VALUES (1, 'Billing', 'billing', true, true, "
         "false, false)", []),
        # A resolved ticket: the customer's description, our public answer, a note, their thanks by
        # mail, then a status change alone.
        ("INSERT INTO helpdesk_ticket VALUES (41, 'Bill doubled', %s, %s, 'Ann@Example.com', 4, false, "
         "'My bill doubled this month.', 'Meter misread', 2, NULL, NULL, 7, 1, 'k', NULL, NULL)",
         [at(0), at(300)]),
        ("INSERT INTO helpdesk_followup VALUES (1, %s, 'Comment', 'We will re-read the meter.', true, NULL, "
         "41, 7, NULL, NULL)", [at(60)]),
        ("INSERT INTO helpdesk_followup VALUES (2, %s, 'Comment', 'Misread, credit issued', false, NULL, "
         "41, 7, NULL, NULL)", [at(90)]),
        ("INSERT INTO helpdesk_followup VALUES (3, %s, 'E-Mail', 'Thank you!', true, NULL, 41, NULL, "
         "'<thanks-1@example.com>', NULL)", [at(120)]),
        ("INSERT INTO helpdesk_followup VALUES (4, %s, 'Closed', '', true, 4, 41, 7, NULL, NULL)", [at(240)]),
        # An open one nobody has answered, and one on hold.
        ("INSERT INTO helpdesk_ticket VALUES (42, 'Outage?', %s, %s, 'bo@example.com', 1, false, "
         "'Lights flicker', NULL, 3, NULL, NULL, NULL, 1, 'k', NULL, NULL)", [at(400), at(400)]),
        ("INSERT INTO helpdesk_ticket VALUES (43, 'Payment plan', %s, %s, 'cy@example.com', 1, true, "
         "'Can I split it?', NULL, 5, NULL, NULL, 7, 1, 'k', NULL, NULL)", [at(500), at(520)]),
        ("INSERT INTO helpdesk_followup VALUES (5, %s, 'Comment', 'Yes: we sent the form.', true, NULL, "
         "43, 7, NULL, NULL)", [at(520)]),
    ]  # fmt: skip


@pytest.fixture
def helpdesk_sqlite(tmp_path):
    path = tmp_path / "helpdesk.sqlite3"
    database = sqlite3.connect(path)
    for statement in SCHEMA:
        database.execute(statement)
    for statement, values in rows():
        database.execute(statement.replace("%s", "?"), [value.isoformat() for value in values])
    database.commit()
    database.close()
    return f"sqlite:///{path}"


@pytest.fixture
def helpdesk_postgres():
    import psycopg2

    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}"
    name = f"oss_test_helpdesk_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    try:
        with psycopg2.connect(f"{server}/{name}") as database, database.cursor() as cursor:
            for statement in SCHEMA:
                cursor.execute(statement)
            for statement, values in rows():
                cursor.execute(statement, values)
        yield f"{server}/{name}"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def check_imported(out):
    assert "Imported 3 tickets (7 messages" in out
    resolved = Ticket.objects.get(subject="Bill doubled")
    assert resolved.status == "resolved" and resolved.priority == 2
    assert resolved.contact.identities.get().external_id == "ann@example.com"
    assert resolved.assignee.email == "pat@utility.example"
    assert list(resolved.tags.values_list("name", flat=True)) == ["billing"]
    assert list(resolved.messages.order_by("sent_at").values_list("direction", "text")) == [
        ("inbound", "My bill doubled this month."),
        ("outbound", "We will re-read the meter."),
        ("note", "Misread, credit issued"),
        ("inbound", "Thank you!"),
    ]
    assert resolved.messages.get(text="Thank you!").external_id == "thanks-1@example.com"
    assert resolved.resolved_at == T0.replace(hour=19)  # the status change alone, 4 hours on
    assert resolved.first_response_at == T0.replace(hour=16)
    assert Ticket.objects.get(subject="Outage?").status == "new"
    waiting = Ticket.objects.get(subject="Payment plan")
    assert waiting.status == "pending" and waiting.priority == 0 and waiting.sla_state == "paused"


def test_helpdesk_tables_in_sqlite(run_import, helpdesk_sqlite):
    out, _ = run_import("--helpdesk-database", helpdesk_sqlite)
    check_imported(out)


@pytest.mark.postgres
def test_helpdesk_tables_in_postgres_and_a_rerun_adds_nothing(run_import, helpdesk_postgres):
    out, _ = run_import("--helpdesk-database", helpdesk_postgres)
    check_imported(out)
    out, _ = run_import("--helpdesk-database", helpdesk_postgres)
    assert "Imported 0 tickets" in out and "3 tickets were imported before" in out
    assert Ticket.objects.count() == 3
