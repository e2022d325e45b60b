"""tickets.services is the only writer of tickets, messages, their timeline, contacts and identities.

Read every module of the app (not the tests, not migrations) and find the writes to those models:
`.save()`, `.delete()`, `.update()`, `.create()` and their bulk and get-or-create forms, called on
the model's manager (`Ticket.objects...`), on a related manager that holds them
(`ticket.messages.create`, `source.identities.update`) or on a variable named after one of them
(`ticket.save()`, `message.delete()`). Only modules under oss_inbox/tickets/services may.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [ROOT / "oss_inbox", ROOT / "channels"]
ALLOWED = ROOT / "oss_inbox" / "tickets" / "services"
MODELS = {"Ticket", "Message", "TicketEvent", "Contact", "Identity"}
# Related managers and variables that hold rows of those models, by the names the code gives them.
HOLDERS = {
    "ticket",
    "tickets",
    "message",
    "messages",
    "reply",
    "replies",
    "note",
    "notes",
    "event",
    "events",
    "contact",
    "contacts",
    "identity",
    "identities",
    "source",
    "target",
    "survivor",
    "claimed",
    "answer",
}
WRITES = {
    "save",
    "delete",
    "update",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


def _modules():
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if "migrations" in path.parts or path.is_relative_to(ALLOWED):
                continue
            yield path


def _names(node):
    """Every name and attribute along a call's receiver: `Ticket.objects.filter(...)` -> Ticket, objects,
    filter."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            yield node.attr
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            yield node.id
            return
        else:
            return


def writes_in(source, filename="<source>"):
    """[(line, code)] of the writes to ticket-owned models in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
        ):
            continue
        receiver = list(_names(node.func.value))
        if (
            set(receiver) & MODELS
            or (receiver and receiver[0] in HOLDERS)
            or (receiver[-1:] and receiver[-1] in HOLDERS)
        ):
            found.append((node.lineno, ast.unparse(node)[:120]))
    return found


def test_only_tickets_services_write_tickets_messages_events_contacts_and_identities():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {code}"
        for path in _modules()
        for line, code in writes_in(path.read_text(), str(path))
    ]
    assert offenders == [], "Write through oss_inbox.tickets.services instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "code",
    [
        "ticket.save()",
        "ticket.save(update_fields=['status'])",
        "Ticket.objects.filter(pk=1).update(status='open')",
        "Message.objects.filter(pk=1).delete()",
        "TicketEvent.objects.create(ticket=t, kind='note')",
        "Contact.objects.bulk_create(rows)",
        "Identity.objects.get_or_create(kind='x', external_id='1')",
        "source.identities.update(contact=target)",
        "ticket.messages.create(text='hi')",
        "self.ticket.events.create(kind='note')",
    ],
)
def test_the_guard_finds_each_way_of_writing(code):
    assert writes_in(code) != []


@pytest.mark.parametrize(
    "code",
    [
        "Ticket.objects.filter(pk=1).count()",
        "form.save()",
        "organization.domains.filter(domain='x').delete()",
        "ChannelAccount.objects.filter(pk=1).update(enabled=False)",
        "cache.delete(key)",
    ],
)
def test_the_guard_leaves_other_models_and_reads_alone(code):
    assert writes_in(code) == []
