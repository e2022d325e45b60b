"""People who depend on power: the critical-care register (CSV import), the flag on contacts and
organizations, what it does to their open tickets, and new customers on the register at ingest."""

from dataclasses import replace

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from oss_inbox.safety.models import CriticalCareEntry
from oss_inbox.safety.register import UnreadableFile, identity_keys, read_register_file
from oss_inbox.tickets.models import Contact, Identity, Organization, OrganizationDomain, Ticket, TicketEvent
from oss_inbox.tickets.services import (
    contact_merge,
    contact_set_critical_care,
    critical_care_entry_add,
    critical_care_entry_remove,
    critical_care_import,
    ingest,
    ticket_set_status,
)
from oss_inbox.tickets.services.organizations import organization_attach_contacts

from .. import factories
from ..sla.conftest import local

pytestmark = pytest.mark.django_db

NOON = local(2026, 11, 4, 12, 0)
IMPORT = reverse("keyaccounts:critical_care_import")
PAGE = reverse("keyaccounts:critical_care")

# What a real register looks like after a spreadsheet: a BOM, semicolons, CRLF, blank lines, an extra
# column, phone numbers and handles written every way, mixed-case addresses, one person twice, bad lines.
MESSY = (
    "\ufeffE-mail;Phone Number;Twitter;Facebook;Full Name;Notes;Account No\r\n"
    "\r\n"
    "Maria.Lopez@Example.COM;+1 (312) 555-0123;@OxygenMom;https://www.facebook.com/profile.php?id=100012345;"
    "Maria Lopez;oxygen concentrator;A-1\r\n"
    ";312.555.0199 ext 4;https://x.com/KJones?s=20;;Kim Jones;;A-2\r\n"
    "not-an-email;555-0123;;;Bob;;A-3\r\n"
    ";;;;;;\r\n"
    "maria.lopez@example.com;;;;Maria again;;A-4\r\n"
    ";;;;Nobody;no identifier at all;A-5\r\n"
    ";3.12555E+09;;;Excel;;A-6\r\n"
)


def arrive(account, item, when=NOON):
    item = replace(item, sent_at=when)
    with time_machine.travel(when, tick=False):
        ingest(account, [item])
    return Ticket.objects.get(messages__external_id=item.external_id)


def tweet(handle="kjones", user_id="111", text="When is my bill due?"):
    return factories.inbound(who=factories.author(user_id, handle, handle.title()), text=text)


def upload(client, text, action="import", name="register.csv", encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, "text/csv"), "action": action})


def events(ticket, kind):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind).order_by("id"))


# Reading the file ----------------------------------------------------------------------------------


def test_a_messy_spreadsheet_export_is_read_with_each_bad_line_named():
    register = read_register_file(MESSY.encode("utf-8"))

    assert {value.key for value in register.values} == {
        ("email", "maria.lopez@example.com"),
        ("phone", "3125550123"),
        ("x", "oxygenmom"),
        ("facebook", "100012345"),
        ("phone", "3125550199"),
        ("x", "kjones"),
    }
    maria = next(value for value in register.values if value.kind == "email")
    assert (maria.line, maria.name, maria.note) == (3, "Maria Lopez", "oxygen concentrator")
    assert [(value.written, first) for value, first in register.repeated] == [("maria.lopez@example.com", 3)]
    rejected = {(r.line, r.written): r.reason for r in register.rejected}
    assert set(rejected) == {
        (5, "not-an-email"),
        (5, "555-0123"),
        (8, "Nobody; no identifier at all; A-5"),
        (9, "3.12555E+09"),
    }
    assert rejected[(5, "not-an-email")] == "“not-an-email” is not an email address"
    assert "10 digits" in rejected[(5, "555-0123")]
    assert (
        "no email, phone number, X handle or Facebook id"
        in rejected[(8, "Nobody; no identifier at all; A-5")]
    )
    assert "format the column as text" in rejected[(9, "3.12555E+09")]
    assert register.ignored_columns == ["Account No"]


def test_other_encodings_tabs_and_a_handle_column_that_says_what_each_value_is():
    text = "Name\tHandle\r\nJosé Núñez\tjose.nunez@Example.com\r\nAna\thttps://facebook.com/ana.perez\r\nLi\t@li_w\r\n"
    register = read_register_file(text.encode("cp1252"))
    assert {value.key for value in register.values} == {
        ("email", "jose.nunez@example.com"),
        ("facebook", "ana.perez"),
        ("x", "li_w"),
    }
    assert register.values[0].name == "José Núñez"
    utf16 = read_register_file(("email\n" + "kim@example.com\n").encode("utf-16"))
    assert [value.value for value in utf16.values] == ["kim@example.com"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 a zipped workbook", "Excel workbook"),
        (b"name,age\nBob,3\n", "first line must name the columns"),
        (b'email,name\nkim@example.com,"Kim\nmaria@example.com,Maria\n', "Line 2: a quotation mark"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_words(data, words):
    with pytest.raises(UnreadableFile, match=words):
        read_register_file(data)


def test_an_email_to_sms_address_matches_its_phone_number():
    assert ("phone", "3125550123") in identity_keys("email", "+1-312-555-0123@vtext.example")
    assert not any(kind == "phone" for kind, _ in identity_keys("email", "jsmith1985@example.com"))
    assert identity_keys("twitter", "777", "@OxygenMom") == {("x", "777"), ("x", "oxygenmom")}


# Importing -----------------------------------------------------------------------------------------


def test_importing_flags_known_customers_and_raises_their_open_tickets(client, supervisor, twitter, mailbox):
    open_x = arrive(twitter, tweet("KJones", "111"))
    done = arrive(twitter, tweet("KJones", "111", text="another question"))
    ticket_set_status(ticket=done, status="resolved", actor=supervisor)
    by_sms = arrive(mailbox, factories.email(sender="3125550123@vtext.example", name="Text"))
    stranger = arrive(twitter, tweet("someone", "222"))
    client.force_login(supervisor)

    response = upload(client, MESSY)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Imported" in html and "Line 5:" in html and "is not an email address" in html
    assert CriticalCareEntry.objects.count() == 6
    assert CriticalCareEntry.objects.get(kind="phone", value="3125550123").written == "+1 (312) 555-0123"
    assert CriticalCareEntry.objects.filter(added_by=supervisor).count() == 6
    for ticket in (open_x, by_sms):
        ticket.refresh_from_db()
        assert ticket.contact.critical_care and ticket.priority == Ticket.Priority.HIGH
        [flag] = events(ticket, TicketEvent.Kind.CRITICAL_CARE)
        assert flag.data["critical_care"] is True and "critical-care register" in flag.data["why"]
        assert flag.actor == supervisor
        [raised] = events(ticket, TicketEvent.Kind.PRIORITY)
        assert raised.data == {
            "from": Ticket.Priority.NORMAL,
            "to": Ticket.Priority.HIGH,
            "reason": "critical care",
        }
    done.refresh_from_db()
    assert done.priority == Ticket.Priority.NORMAL and not events(done, TicketEvent.Kind.CRITICAL_CARE)
    stranger.refresh_from_db()
    assert not stranger.contact.critical_care and stranger.priority == Ticket.Priority.NORMAL

    again = upload(client, MESSY)  # the same file next month: nothing twice
    assert CriticalCareEntry.objects.count() == 6
    assert "6</strong> already on the register" in again.content.decode()
    assert len(events(open_x, TicketEvent.Kind.CRITICAL_CARE)) == 1


def test_a_preview_changes_nothing_and_imports_the_same_file_when_confirmed(client, supervisor, twitter):
    ticket = arrive(twitter, tweet("OxygenMom", "777"))
    client.force_login(supervisor)

    preview = upload(client, MESSY, action="preview")

    html = preview.content.decode()
    assert "Preview: nothing was changed yet" in html and "Import 6 entries" in html
    assert "1</strong> known customer(s) to flag" in html
    assert not CriticalCareEntry.objects.exists()
    ticket.refresh_from_db()
    assert not ticket.contact.critical_care and ticket.priority == Ticket.Priority.NORMAL
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.CRITICAL_CARE).exists()

    # The confirm button sends the file back as text, the way the browser posts the textarea.
    text = html.split('<textarea name="content" hidden aria-hidden="true">\n', 1)[1].split("</textarea>", 1)[
        0
    ]
    client.post(IMPORT, {"content": text.replace("&amp;", "&").replace("\n", "\r\n"), "action": "import"})

    assert CriticalCareEntry.objects.count() == 6
    ticket.refresh_from_db()
    assert ticket.contact.critical_care and ticket.priority == Ticket.Priority.HIGH


def test_a_broken_file_imports_nothing_and_says_why(client, supervisor):
    client.force_login(supervisor)
    broken = 'email;name\nkim@example.com;Kim\nmaria@example.com;"Maria\nana@example.com;Ana\n'
    response = upload(client, broken)
    assert response.status_code == 422
    assert "Line 3: a quotation mark opens a value that is never closed" in response.content.decode()
    assert not CriticalCareEntry.objects.exists()
    workbook = upload(client, b"PK\x03\x04\x14\x00", name="register.xlsx")
    assert workbook.status_code == 422 and "CSV UTF-8" in workbook.content.decode()
    cut_off = upload(client, b"\xff\xfeA")  # a UTF-16 mark, then half a character
    assert cut_off.status_code == 422 and "cannot be read as such" in cut_off.content.decode()


# Ingest ---------------------------------------------------------------------------------------------


def test_a_new_customer_on_the_register_is_flagged_and_their_outage_is_a_safety_ticket(supervisor, twitter):
    critical_care_entry_add(kind="x", written="https://x.com/OxygenMom", name="Maria", actor=supervisor)

    ticket = arrive(twitter, tweet("OxygenMom", "777", text="our power is out since 1am"))

    assert ticket.contact.critical_care
    assert ticket.safety == "outage" and ticket.priority == Ticket.Priority.URGENT
    # Anyone else writing the same is an outage report, not a safety one.
    other = arrive(twitter, tweet("neighbour", "888", text="our power is out since 1am"))
    assert not other.contact.critical_care and not other.safety


def test_a_phone_number_on_the_register_matches_an_email_to_sms_sender(supervisor, mailbox):
    critical_care_entry_add(kind="phone", written="(312) 555-0123", actor=supervisor)
    ticket = arrive(mailbox, factories.email(sender="3125550123@vtext.example", text="what is my balance"))
    assert ticket.contact.critical_care and ticket.priority == Ticket.Priority.HIGH and not ticket.safety


def test_the_register_costs_ingest_no_query_while_empty_and_one_per_batch_otherwise(supervisor, twitter):
    def register_queries(items):
        with CaptureQueriesContext(connection) as queries, time_machine.travel(NOON, tick=False):
            ingest(twitter, items)
        return [q["sql"] for q in queries if "safety_criticalcareentry" in q["sql"]]

    register_queries([tweet("first", "1")])  # the first look fills the cache: "empty"
    assert register_queries([tweet("second", "2"), tweet("third", "3")]) == []
    critical_care_entry_add(kind="x", written="@someone", actor=supervisor)
    assert len(register_queries([tweet("fourth", "4"), tweet("fifth", "5"), tweet("sixth", "6")])) == 2
    # The cache says "in use" now: one look-up per batch.
    assert len(register_queries([tweet("seventh", "7"), tweet("eighth", "8")])) == 1
    assert register_queries([tweet("eighth", "8")]) == []  # nobody new: nothing to look up


def test_a_removed_entry_matches_no_new_customer_and_leaves_flags_alone(supervisor, twitter):
    flagged = arrive(twitter, tweet("OxygenMom", "777"))
    report = critical_care_entry_add(kind="x", written="@OxygenMom", actor=supervisor)
    assert [contact.pk for contact, _ in report.flagged] == [flagged.contact_id]
    critical_care_entry_add(kind="x", written="@later", actor=supervisor)

    critical_care_entry_remove(entry=CriticalCareEntry.objects.get(value="later"), actor=supervisor)

    assert not arrive(twitter, tweet("Later", "999")).contact.critical_care
    assert Contact.objects.get(pk=flagged.contact_id).critical_care


# The flag ------------------------------------------------------------------------------------------


def test_a_supervisor_flags_a_customer_from_the_ticket_page(client, supervisor, twitter):
    ticket = arrive(twitter, tweet())
    client.force_login(supervisor)
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert "Mark as critical care" in page

    response = client.post(reverse("inbox:critical_care", args=[ticket.pk]), {"critical_care": "1"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.contact.critical_care and ticket.priority == Ticket.Priority.HIGH
    [flag] = events(ticket, TicketEvent.Kind.CRITICAL_CARE)
    assert flag.actor == supervisor and flag.data["why"] == "marked by Sam"
    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'data-testid="critical-care"' in page and "Clear critical care" in page


def test_an_agent_sees_the_flag_but_may_not_change_it(client, agent, supervisor, twitter):
    ticket = arrive(twitter, tweet())
    contact_set_critical_care(contact=ticket.contact, critical_care=True, actor=supervisor)
    client.force_login(agent)

    page = client.get(reverse("inbox:ticket", args=[ticket.pk])).content.decode()
    assert 'data-testid="critical-care"' in page and "Clear critical care" not in page
    assert (
        client.post(reverse("inbox:critical_care", args=[ticket.pk]), {"critical_care": "0"}).status_code
        == 403
    )
    assert Contact.objects.get(pk=ticket.contact_id).critical_care
    assert client.get(PAGE).status_code == 403
    assert upload(client, MESSY).status_code == 403
    assert not CriticalCareEntry.objects.exists()


def test_clearing_the_flag_keeps_the_priorities_and_says_so_on_the_timeline(client, supervisor, twitter):
    ticket = arrive(twitter, tweet())
    contact_set_critical_care(contact=ticket.contact, critical_care=True, actor=supervisor)
    client.force_login(supervisor)

    client.post(reverse("inbox:critical_care", args=[ticket.pk]), {"critical_care": "0"})

    ticket.refresh_from_db()
    assert not ticket.contact.critical_care and ticket.priority == Ticket.Priority.HIGH
    assert [e.data["critical_care"] for e in events(ticket, TicketEvent.Kind.CRITICAL_CARE)] == [True, False]
    assert len(events(ticket, TicketEvent.Kind.PRIORITY)) == 1


def test_flagging_an_organization_on_its_edit_page_raises_its_peoples_open_tickets(
    client, admin_user, mailbox
):
    clinic = Organization.objects.create(name="Lakeside Dialysis")
    OrganizationDomain.objects.create(organization=clinic, domain="lakeside.example")
    ticket = arrive(mailbox, factories.email(sender="ops@lakeside.example"))
    assert ticket.contact.organization == clinic and ticket.priority == Ticket.Priority.NORMAL
    client.force_login(admin_user)
    edit = reverse("keyaccounts:organization_edit", args=[clinic.pk])
    assert "Depends on power (critical care)" in client.get(edit).content.decode()

    data = {"name": clinic.name, "tier": "", "domains": "lakeside.example", "critical_care": "on"}
    assert client.post(edit, data).status_code == 302

    clinic.refresh_from_db()
    ticket.refresh_from_db()
    assert clinic.critical_care and ticket.priority == Ticket.Priority.HIGH
    [flag] = events(ticket, TicketEvent.Kind.CRITICAL_CARE)
    assert flag.data["organization"] == clinic.pk and flag.actor == admin_user
    # Its outage reports are safety tickets from now on.
    outage = arrive(mailbox, factories.email(sender="ops@lakeside.example", text="We have no power at all"))
    assert outage.safety == "outage"


def test_the_page_lists_the_register_and_who_is_flagged_and_finds_a_phone_however_written(
    client, supervisor, twitter
):
    ticket = arrive(twitter, tweet("OxygenMom", "777"))
    critical_care_import(register=read_register_file(MESSY.encode()), actor=supervisor)
    Organization.objects.create(name="Mercy Hospital", critical_care=True)
    client.force_login(supervisor)

    html = client.get(PAGE).content.decode()
    assert "6 entries" in html and "Maria Lopez" in html and "Mercy Hospital" in html
    assert (
        f'<a href="/tickets/{ticket.pk}/">Oxygenmom</a>' in html
    )  # flagged by the import, linked to their ticket
    found = client.get(PAGE, {"find": "312-555-0199"}).content.decode()
    register = found.split('class="tickets safety-table register"', 1)[1].split("</table>", 1)[0]
    assert "312.555.0199 ext 4" in register and "+1 (312) 555-0123" not in register

    entry = CriticalCareEntry.objects.get(kind="x", value="oxygenmom")
    client.post(reverse("keyaccounts:critical_care_remove", args=[entry.pk]))
    assert not CriticalCareEntry.objects.filter(pk=entry.pk).exists()
    client.post(
        reverse("keyaccounts:critical_care_contact", args=[ticket.contact_id]), {"critical_care": "0"}
    )
    assert not Contact.objects.get(pk=ticket.contact_id).critical_care
    assert Identity.objects.filter(contact_id=ticket.contact_id).exists()


def test_contacts_joining_a_critical_care_hospital_have_their_open_tickets_raised(mailbox, admin_user):
    item = replace(
        factories.email(sender="nurse@stbrigid.example", text="Question about our meter"), sent_at=NOON
    )
    ticket = arrive(mailbox, item)
    assert ticket.priority == Ticket.Priority.NORMAL
    hospital = Organization.objects.create(name="St. Brigid", critical_care=True)
    assert organization_attach_contacts(
        hospital, identities=Q(external_id="nurse@stbrigid.example"), actor=admin_user
    )
    ticket.refresh_from_db()
    assert ticket.priority == Ticket.Priority.HIGH
    assert TicketEvent.objects.filter(
        ticket=ticket, kind="critical_care", data__why="joined St. Brigid"
    ).exists()


def test_merging_a_flagged_contact_keeps_the_flag_and_raises_the_survivors_tickets(twitter, mailbox):
    on_x = arrive(twitter, tweet(handle="oxygenmom", user_id="555", text="hello"))
    by_email = arrive(mailbox, replace(factories.email(sender="mom@example.com", text="hi"), sent_at=NOON))
    Contact.objects.filter(pk=on_x.contact_id).update(critical_care=True)
    survivor = contact_merge(source=Contact.objects.get(pk=on_x.contact_id), target=by_email.contact)
    assert Contact.objects.get(pk=survivor.pk).critical_care
    by_email.refresh_from_db()
    assert by_email.priority == Ticket.Priority.HIGH


def test_the_register_is_one_click_from_the_organizations_for_supervisors_only(client, supervisor, agent):
    register = reverse("keyaccounts:critical_care")
    client.force_login(supervisor)
    assert register in client.get(reverse("keyaccounts:organizations")).content.decode()
    client.force_login(agent)
    assert register not in client.get(reverse("keyaccounts:organizations")).content.decode()
