"""Search of the queue: a ticket's number, words in its conversation, its customer's name or handle.

The open views look in the words of the open tickets' conversations (about 2% of the history,
one small index) and keep every match; Resolved reads the whole history and keeps only the newest
matches, reading no more than it keeps whatever the word (docs/architecture.md, "Search at any
size").
"""

import hashlib
import math
import re
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from oss_inbox.tickets.models import Contact, Identity, Message, TicketSearch

# Resolved search keeps the tickets of the newest SEARCH_MESSAGES matching messages and the newest
# SEARCH_CUSTOMER_TICKETS tickets of matching customers, and reads the messages in windows of ids
# from the newest SEARCH_WINDOW on (see MESSAGE_WINDOW_SQL): what it reads is bounded by what it
# keeps, not by the history. Four pages of the queue.
SEARCH_MESSAGES = 200
SEARCH_CUSTOMER_TICKETS = 200
SEARCH_WINDOW = 1000  # the smallest first window, and the first one when a word's frequency is unknown
WINDOW_GROWTH = 8  # each window of message ids is 8x the one before
SEARCH_PHRASE_CANDIDATES = 1000  # a phrase is checked in the newest 1,000 messages with all its words
SEARCH_CONFIG = "english"  # the same configuration as the GIN indexes (tickets migrations 0005, 0007)
SEARCH_TEXT_CHARS = 100_000  # the start of a message that its GIN index holds (tickets migration 0007)


TICKET_NUMBER = re.compile(r"#?\s*(\d{1,12})")
_QUOTED = re.compile(r'"([^"]+)"')
_EDGE_PUNCTUATION = "\"'“”‘’.,;:!?()[]{}<>"


def ticket_number(text):
    """The ticket a search for "184" or "#184" names, or None: such a search opens the ticket."""
    found = TICKET_NUMBER.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def search_terms(text):
    """The words of a search, each to be found, in any order; a "quoted phrase" as one term. Stray
    quotes and punctuation at a word's ends are dropped ("power," and a lone leading quote)."""
    phrases = [" ".join(phrase.split()) for phrase in _QUOTED.findall(text)]
    words = (word.strip(_EDGE_PUNCTUATION) for word in _QUOTED.sub(" ", text).split())
    return [term for term in (*phrases, *words) if term]


def search_condition(text, *, open_view=True):
    """The tickets `search(text, open_view=...)` finds, as a condition."""
    return search(text, open_view=open_view).condition


@dataclass(frozen=True)
class Search:
    """What a search found: a condition on tickets, and whether older matches were left out."""

    condition: Q
    cut: bool = False  # there were more matches than a search keeps: only the newest are shown


def search(text, *, open_view=True):
    """Tickets whose conversation mentions every word of `text` (in any order), or whose customer's
    name or handle holds every word.

    PostgreSQL: full-text search. The open views look in the words of each open ticket's
    conversation (TicketSearch, ~2% of the tickets, one small GIN index) and keep every match.
    Resolved reads the whole history, so it keeps only the newest matches and reads no more than
    it keeps, whatever the word (`_newest_matches`). Customer names and handles have their own
    indexes. Elsewhere (SQLite) each word is a case-insensitive match, in any message of the
    ticket, or in the customer's name or handles, and nothing is cut.
    """
    terms = search_terms(text)
    if not terms:
        return Search(Q())
    if connection.vendor != "postgresql":
        in_conversation, in_names = Q(), Q()
        for term in terms:
            in_conversation &= Q(pk__in=Message.objects.filter(text__icontains=term).values("ticket_id"))
            in_names &= _name_match(term)
        return Search(in_conversation | in_names)
    text = " ".join(f'"{term}"' if " " in term else term for term in terms)
    handle = text.lstrip("@")
    if not open_view:
        phrases = any(" " in term for term in terms)
        tickets, cut = _newest_matches(text, handle, every_word=" ".join(terms) if phrases else None)
        return Search(Q(pk__in=tickets), cut=cut)
    from django.contrib.postgres.search import SearchQuery, SearchVector

    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    names = SearchQuery(handle, config="simple", search_type="websearch")
    contacts = Contact.objects.annotate(found=SearchVector("name", config="simple")).filter(found=names)
    identities = Identity.objects.annotate(
        found=SearchVector("handle", "display_name", config="simple")
    ).filter(found=names)
    conversations = TicketSearch.objects.filter(document=query).values("ticket_id")
    return Search(
        Q(pk__in=conversations)
        | Q(contact_id__in=contacts.values("pk"))
        | Q(contact_id__in=identities.values("contact_id"))
    )


# Resolved search on PostgreSQL, one statement: the tickets of the newest SEARCH_MESSAGES messages
# that match, and the newest SEARCH_CUSTOMER_TICKETS tickets of the customers whose name or
# handle matches (each LIMIT asks for one more, to tell whether anything was left out).
#
# The messages are read in windows of ids, newest first, each WINDOW_GROWTH times the one before,
# down to the oldest, one UNION ALL part each, under one LIMIT: the LIMIT stops the windows as soon
# as enough matches are found. Before, a common word read every match in the history to keep the
# newest (669,224 messages for "account" at 1M tickets, 18 s). A window is read one of two ways,
# and what each costs depends on how often the words occur (`_word_frequencies`):
# - one message at a time, newest first, computing each one's words (10-16 us a message, ~80x an
#   index entry), stopping at the LIMIT: what a word in most messages wants (~5 messages a match
#   for "account");
# - through the GIN index, ANDed with the window's range of the primary key: the scan reads every
#   entry of the word in the whole history, whatever the window (250,000 for "bill" at 1M: 40 ms),
#   then only the window's matches: what a rarer word wants, in as few windows as possible.
# So the first window is sized from the words' frequency to hold about twice the matches needed,
# and read one at a time when that is cheaper than one index scan (`_message_windows`); each
# window after it (only reached when the words were rarer of late than on average) goes through
# the index. The expressions are written exactly as the GIN indexes are (tickets migrations 0005
# and 0007), so that the planner can use them.
MESSAGE_WINDOW_SQL = """(
    SELECT {columns} FROM tickets_message
    WHERE {window}to_tsvector('english'::regconfig, COALESCE(LEFT("text", 100000), ''))
          @@ websearch_to_tsquery('english'::regconfig, %s)
    ORDER BY id + 0 DESC
)"""
# One message at a time: the subquery's OFFSET 0 keeps the planner from taking the words' condition
# into it, so it cannot answer from the GIN index; it reads the window newest first by primary key.
MESSAGE_ONE_BY_ONE_SQL = """(
    SELECT {columns} FROM (
        SELECT id, ticket_id, "text" FROM tickets_message WHERE {window}true ORDER BY id DESC OFFSET 0
    ) AS newest
    WHERE to_tsvector('english'::regconfig, COALESCE(LEFT("text", 100000), ''))
          @@ websearch_to_tsquery('english'::regconfig, %s)
)"""
CUSTOMER_TICKETS_SQL = """(
    SELECT theirs.id FROM (SELECT matched.id FROM (
        SELECT c.id FROM tickets_contact c
        WHERE to_tsvector('simple'::regconfig, COALESCE(c.name, ''))
              @@ websearch_to_tsquery('simple'::regconfig, %s)
        UNION
        SELECT i.contact_id FROM tickets_identity i
        WHERE to_tsvector('simple'::regconfig, COALESCE(i.handle, '') || ' ' || COALESCE(i.display_name, ''))
              @@ websearch_to_tsquery('simple'::regconfig, %s)
    ) AS matched ORDER BY matched.id DESC LIMIT %s) AS customers
    CROSS JOIN LATERAL (
        SELECT t.id, t.created_at FROM tickets_ticket t
        WHERE t.contact_id = customers.id ORDER BY t.created_at DESC LIMIT %s
    ) AS theirs
    ORDER BY theirs.created_at DESC
    LIMIT %s
)"""
MESSAGE_IDS_SECONDS = 60
# The planner prices computing a message's words (to_tsvector) at 0.25, a tenth or less of what it
# costs, so in a window through the index it might still compute the words of every message of
# the window rather than read the index: priced 20x higher for this statement only (SET LOCAL in
# the same query string, which PostgreSQL runs as one transaction, or to the end of the caller's).
# And no parallel workers: a Parallel Append runs the windows at once and the LIMIT would keep
# whichever rows came first, not the newest.
PLANNER_SETTING = "SET LOCAL cpu_operator_cost = 0.05; SET LOCAL max_parallel_workers_per_gather = 0"


def _newest_matches(words, names, every_word=None):
    """(ids of the Resolved search's tickets, whether older matches were left out): one query.

    `every_word`: for a search with a "quoted phrase", its words without the quotes. A phrase is
    checked against each message's text (the GIN index finds messages with the words, not in
    which order), so the windows find the newest SEARCH_PHRASE_CANDIDATES messages with every
    word, and only those are checked: a phrase of common words that are seldom side by side no
    longer checks every message in the history that has them.
    """
    found_by = every_word or words
    need = (SEARCH_MESSAGES if every_word is None else SEARCH_PHRASE_CANDIDATES) + 1
    columns = "ticket_id" if every_word is None else 'ticket_id, "text"'
    windows, params = [], []
    for bottom, top, one_by_one in _message_windows(_word_frequencies(found_by), need):
        bounds = [("id > %s", bottom), ("id <= %s", top)]
        window = "".join(f"{sql} AND " for sql, value in bounds if value is not None)
        template = MESSAGE_ONE_BY_ONE_SQL if one_by_one else MESSAGE_WINDOW_SQL
        windows.append(template.format(window=window, columns=columns))
        params += [value for _, value in bounds if value is not None] + [found_by]
    customers = f" UNION ALL (SELECT id, 1 FROM {CUSTOMER_TICKETS_SQL} AS customers)"
    if every_word is None:
        sql = f"(SELECT ticket_id, 0 FROM ({' UNION ALL '.join(windows)}) AS found LIMIT %s)" + customers
        params += [SEARCH_MESSAGES + 1]
    else:
        sql = (
            f"WITH candidates AS MATERIALIZED"
            f" (SELECT * FROM ({' UNION ALL '.join(windows)}) AS found LIMIT %s)"
            " (SELECT ticket_id, 0 FROM (SELECT * FROM candidates LIMIT %s) AS checked"
            " WHERE to_tsvector('english'::regconfig, COALESCE(LEFT(\"text\", 100000), ''))"
            " @@ websearch_to_tsquery('english'::regconfig, %s) LIMIT %s)"
            " UNION ALL (SELECT NULL::bigint, 2 FROM candidates OFFSET %s LIMIT 1)" + customers
        )
        params += [SEARCH_PHRASE_CANDIDATES + 1, SEARCH_PHRASE_CANDIDATES, words, SEARCH_MESSAGES + 1]
        params += [SEARCH_PHRASE_CANDIDATES]
    # The newest customers first (a common surname is 5,500 customers at 1M tickets): with more
    # than SEARCH_CUSTOMER_TICKETS of them there are more tickets than are kept, and it says so.
    params += [
        names,
        names,
        SEARCH_CUSTOMER_TICKETS + 1,
        SEARCH_CUSTOMER_TICKETS + 1,
        SEARCH_CUSTOMER_TICKETS + 1,
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"{PLANNER_SETTING}; {sql}", params)
        rows = cursor.fetchall()
    in_messages = [ticket for ticket, part in rows if part == 0]
    of_customers = [ticket for ticket, part in rows if part == 1]
    unchecked = any(part == 2 for _, part in rows)  # more messages with every word than were checked
    cut = unchecked or len(in_messages) > SEARCH_MESSAGES or len(of_customers) > SEARCH_CUSTOMER_TICKETS
    found = set(in_messages[:SEARCH_MESSAGES]) | set(of_customers[:SEARCH_CUSTOMER_TICKETS])
    return sorted(found), cut


# Reading a message's words one at a time costs about as much as reading 80 entries of the GIN
# index (10-16 us against 0.1-0.2 us at 1M tickets, EXPLAIN ANALYZE on generated messages of ~70
# characters; longer real messages cost more to read one at a time, and the index less per entry
# the commoner the word, so this leans towards the index).
MESSAGE_COST_IN_INDEX_ENTRIES = 80
WINDOW_MARGIN = 2  # the first window holds about twice the matches needed, by the words' frequency
# However correlated the words, the first window through the index holds at most 10x the matches
# needed: it is sized by the rarest word too, which no message can have all the words without.
WINDOW_MOST = 10


def _message_windows(frequencies, need):
    """[(bottom, top, one_by_one)] ranges of message ids (id > bottom and id <= top), newest first,
    the first sized to hold about `need` matches twice over (from `frequencies`, see
    `_word_frequencies`), each after it WINDOW_GROWTH times the one before; `one_by_one`: read
    that window one message at a time rather than through the index. The first window has no top
    and the last no bottom, so that every message is in one even when the cached lowest and
    highest ids are out of date."""
    low, high = _message_ids()
    span = max(high - low, 1)
    if frequencies is None:  # no statistics yet: the newest SEARCH_WINDOW one by one, then the index
        size, one_by_one = SEARCH_WINDOW, True
    else:
        together, rarest = (max(frequency, 1 / span) for frequency in frequencies)
        # One by one reads about need / together messages; the index reads every entry of the
        # rarest word (an AND skips through the others' entries).
        one_by_one = need / together * MESSAGE_COST_IN_INDEX_ENTRIES <= rarest * span
        size = math.ceil(WINDOW_MARGIN * need / together)
        if not one_by_one:
            size = min(size, math.ceil(WINDOW_MOST * need / rarest))
        size = max(size, SEARCH_WINDOW)
    windows, top = [], None
    while True:
        bottom = (high if top is None else top) - size
        first = not windows
        if bottom < low:
            return [*windows, (None, top, one_by_one and first)]
        windows.append((bottom, top, one_by_one and first))
        top, size = bottom, size * WINDOW_GROWTH


def _message_ids():
    """(lowest, highest) message id, cached for MESSAGE_IDS_SECONDS."""
    key = "inbox:search:message-ids"
    ids = cache.get(key)
    if ids is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MIN(id), 0), COALESCE(MAX(id), 0) FROM tickets_message")
            ids = cursor.fetchone()
        cache.set(key, ids, MESSAGE_IDS_SECONDS)
    return ids


# The share of messages holding each word, from the statistics ANALYZE (and autovacuum) keeps for
# the messages' GIN index: the ~1,000 commonest words and their shares, and below them a share no
# unlisted word reaches. What the planner estimates from, read once per search text an hour.
WORD_FREQUENCIES_SQL = """
    SELECT COALESCE(
        stats.freqs[array_position(stats.elems, lexeme)], stats.freqs[cardinality(stats.elems) + 1]
    )
    FROM unnest(tsvector_to_array(to_tsvector('english'::regconfig, %s))) AS lexeme
    LEFT JOIN (
        SELECT most_common_elems::text::text[] AS elems, most_common_elem_freqs AS freqs FROM pg_stats
        WHERE schemaname = current_schema() AND tablename = 'message_text_prefix_search_idx'
    ) AS stats ON true
"""
WORD_FREQUENCIES_SECONDS = 3600


def _word_frequencies(words):
    """(share of messages with every word of `words` if they occur independently, share with the
    rarest word: at most that), or None before the first ANALYZE or for words that are all stop
    words. Cached an hour per text: the shares move slowly. A word the search excludes ("-word")
    or offers as an alternative ("or") counts as if required: that misjudges the cost, not what
    is found."""
    key = "inbox:search:frequency:" + hashlib.sha256(words.encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute(WORD_FREQUENCIES_SQL, [words])
            shares = [share for (share,) in cursor.fetchall()]
        cached = (math.prod(shares), min(shares)) if shares and None not in shares else ()
        cache.set(key, cached, WORD_FREQUENCIES_SECONDS)
    return tuple(cached) or None


def _name_match(term):
    handle = term.lstrip("@")
    return Q(contact__name__icontains=term) | Q(
        contact_id__in=Identity.objects.filter(
            Q(handle__icontains=handle) | Q(display_name__icontains=term)
        ).values("contact_id")
    )
