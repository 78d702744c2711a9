"""Staff search over requests and their whole conversation, internal notes included.

On PostgreSQL each request has one full-text document (`SearchDocument`): its reference and
subject (weight A), its description (B) and every message (C), in the `simple_unaccent`
configuration: the `simple` configuration with the `unaccent` dictionary, so English and
Malay words match whatever accents are typed, and no stemmer of one language mangles the
other. The document lives in a GIN-indexed table of its own, so the request lists never
read it. The services keep it current in their own transaction: filing writes it
(`index_request`) and every message appends to it (`index_message`); `reindex` rebuilds it
for rows written in bulk (the benchmark's data set, a restore).

A word search reads, through that index and with the list's filters, the `MATCH_CAP` most
recent matching requests, ranks them, and pages them; the highlights of one page come in a
single further query. A common word over a million requests thus costs what it costs over
a hundred thousand. On the embedded SQLite default the search is a plain case-insensitive
containment on the same texts, newest first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
)
from django.db import connection, models
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Message, SupportRequest

CONFIG = "simple_unaccent"
# Matches ranked per search: the most recent ones, whatever the size of the table.
MATCH_CAP = 500
MAX_TERM_LENGTH = 200
# The highlight marks ts_headline puts around matches; removed from the text beforehand,
# so after escaping the text they are the only place a <mark> can come from.
MARK_START, MARK_STOP = "\u27e6", "\u27e7"
# A request's document stops growing past this many distinct words (a tsvector holds at
# most 1 MB, and a reply must never fail for its search entry).
MAX_LEXEMES = 20000
MAX_INDEXED_TEXT = 1_000_000
REFERENCE = re.compile(r"^INC-\d{4}-\d{1,10}$", re.IGNORECASE)
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class SearchDocument(models.Model):
    """A request's full-text document (PostgreSQL only; the table stays empty on SQLite).
    Its GIN index is made by the migration that creates the configuration."""

    request = models.OneToOneField(SupportRequest, primary_key=True, on_delete=models.CASCADE,
                                   related_name="search_document")
    vector = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self):
        return str(self.request_id)


def enabled() -> bool:
    return connection.vendor == "postgresql"


# Keeping the index -------------------------------------------------------------------------

# Constants only: every value reaches PostgreSQL as a parameter.
_DOCUMENTS = f"""
    SELECT r.id,
        setweight(to_tsvector('{CONFIG}', r.reference || ' ' || r.subject), 'A')
        || setweight(to_tsvector('{CONFIG}', r.description), 'B')
        || setweight(to_tsvector('{CONFIG}', left(coalesce(
            (SELECT string_agg(m.body, ' ' ORDER BY m.created_at, m.id)
             FROM helpdesk_message m WHERE m.request_id = r.id), ''), {MAX_INDEXED_TEXT})), 'C')
    FROM helpdesk_supportrequest r
"""  # noqa: S608
_UPSERT = """
    INSERT INTO helpdesk_searchdocument (request_id, vector) {documents} {where}
    ON CONFLICT (request_id) DO UPDATE SET vector = EXCLUDED.vector
"""


def reindex(request_ids: list[int] | None = None) -> int:
    """Build the documents of these requests (all of them by default) from their texts.
    Returns the number written; 0 on SQLite."""
    if not enabled():
        return 0
    with connection.cursor() as cursor:
        if request_ids is None:
            cursor.execute(_UPSERT.format(documents=_DOCUMENTS, where=""))
        else:
            cursor.execute(_UPSERT.format(documents=_DOCUMENTS, where="WHERE r.id = ANY(%s)"),
                           [list(request_ids)])
        return cursor.rowcount


def index_request(support_request: SupportRequest) -> None:
    """A new request's document, in the filing transaction."""
    reindex([support_request.pk])


def index_message(message: Message) -> None:
    """Add a message to its request's document, in the transaction that wrote it."""
    if not enabled():
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE helpdesk_searchdocument SET vector = CASE
                    WHEN length(vector) < %s
                    THEN vector || setweight(to_tsvector('{CONFIG}', %s), 'C')
                    ELSE vector END
                WHERE request_id = %s""",  # noqa: S608
            [MAX_LEXEMES, message.body, message.request_id])
        missing = cursor.rowcount == 0
    if missing:  # filed before the index existed: build it whole
        reindex([message.request_id])


# Searching --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Search:
    """What a search term asks for: `kind` is "reference", "email" or "words"."""

    term: str
    kind: str

    @classmethod
    def parse(cls, raw) -> Search | None:
        term = clean_term(raw)
        if not term:
            return None
        if REFERENCE.match(term):
            return cls(term.upper(), "reference")
        if EMAIL.match(term):
            return cls(term.lower(), "email")
        return cls(term, "words")

    @property
    def ranked(self) -> bool:
        return self.kind == "words" and enabled()

    def query(self) -> SearchQuery:
        return SearchQuery(self.term, search_type="websearch", config=CONFIG)


def clean_term(raw, max_length: int = MAX_TERM_LENGTH) -> str:
    """What a person typed, as one line of words: control characters (a NUL would make
    PostgreSQL refuse the query) count as spaces."""
    text = "".join(" " if ord(ch) < 32 or ch == "\x7f" else ch for ch in str(raw or ""))
    return " ".join(text.split())[:max_length]


def customer_q(email: str) -> Q:
    """Requests whose customer (requester, or home user) has this email address."""
    email = email.strip().lower()
    return Q(requester__email=email) | Q(home_user__email=email)


def apply(queryset, search: Search):
    """`queryset` (already filtered and ordered by the list) narrowed to the search: one
    request for a reference, a customer's requests for an email address, else the words
    anywhere in the request or its conversation, ranked where PostgreSQL can. Returns the
    queryset and, for a ranked search, how many requests it holds (counted already)."""
    if search.kind == "reference":
        return queryset.filter(reference=search.term), None
    if search.kind == "email":
        return queryset.filter(customer_q(search.term)), None
    if not enabled():
        return _contains(queryset, search.term.split()[:10]), None
    query = search.query()
    # Read first, as literal ids: PostgreSQL then plans the page's query over these few
    # rows, where a subquery lets it join the whole table before narrowing it.
    recent_hits = list(queryset.filter(search_document__vector=query)
                       .order_by("-pk").values_list("pk", flat=True)[:MATCH_CAP])
    ranked = (queryset.filter(pk__in=recent_hits)
              .annotate(search_rank=SearchRank(F("search_document__vector"), query))
              .order_by("-search_rank", "-created_at", "-pk"))
    return ranked, len(recent_hits)


def _contains(queryset, words: list[str]):
    condition = Q()
    for word in words:
        condition &= (Q(reference__icontains=word) | Q(subject__icontains=word)
                      | Q(description__icontains=word)
                      | Q(Exists(Message.objects.filter(request=OuterRef("pk"),
                                                        body__icontains=word))))
    return queryset.filter(condition)


# Highlights -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Highlight:
    html: SafeString
    # "request" (subject or description), "customer", "staff" or "note"
    source: str


def highlights(request_ids: list[int], search: Search) -> dict[int, Highlight]:
    """For each request of a result page, where the words were found: the latest message
    holding them, else the subject and description. One query."""
    if not request_ids or search.kind != "words":
        return {}
    if enabled():
        return _headlines(request_ids, search)
    return _excerpts(request_ids, search.term.split()[:10])


def _unmarked(expression):
    return Replace(Replace(expression, Value(MARK_START), Value("")), Value(MARK_STOP), Value(""))


def _headlines(request_ids, search) -> dict[int, Highlight]:
    query = search.query()
    options = {"start_sel": MARK_START, "stop_sel": MARK_STOP, "max_words": 24,
               "min_words": 8, "max_fragments": 2, "fragment_delimiter": " … "}
    source = Case(When(is_internal=True, then=Value("n")), When(from_staff=True,
                  then=Value("s")), default=Value("c"), output_field=CharField())
    best_message = (
        Message.objects.filter(request=OuterRef("pk"))
        .annotate(document=SearchVector("body", config=CONFIG)).filter(document=query)
        .order_by("-created_at", "-pk")
        .annotate(hit=Concat(source, SearchHeadline(_unmarked(F("body")), query, config=CONFIG,
                                                    **options), output_field=TextField()))
        .values("hit")[:1]
    )
    rows = SupportRequest.objects.filter(pk__in=request_ids).annotate(
        message_hit=Subquery(best_message),
        request_hit=SearchHeadline(
            _unmarked(Concat("subject", Value(" — "), "description", output_field=TextField())),
            query, config=CONFIG, **options),
    ).values_list("pk", "message_hit", "request_hit")
    sources = {"n": "note", "s": "staff", "c": "customer"}
    found = {}
    for pk, message_hit, request_hit in rows:
        if message_hit and MARK_START in message_hit:
            found[pk] = Highlight(_marked(message_hit[1:]), sources[message_hit[0]])
        elif request_hit:
            found[pk] = Highlight(_marked(request_hit), "request")
    return found


def _marked(text: str) -> SafeString:
    return mark_safe(  # noqa: S308 - escaped first; the marks are the only markup
        escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))


def _excerpts(request_ids, words) -> dict[int, Highlight]:
    """SQLite: an excerpt around the first word, from the latest message that holds one."""
    if not words:
        return {}
    condition = Q()
    for word in words:
        condition |= Q(body__icontains=word)
    latest = {}
    for message in (Message.objects.filter(condition, request_id__in=request_ids)
                    .only("request_id", "body", "is_internal", "from_staff")
                    .order_by("request_id", "-created_at", "-pk")):
        latest.setdefault(message.request_id, message)
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    found = {}
    for pk, message in latest.items():
        match = pattern.search(message.body)
        if match is None:
            continue
        start = max(match.start() - 80, 0)
        excerpt = ("…" if start else "") + message.body[start:start + 200]
        marked = pattern.sub(lambda m: f"{MARK_START}{m.group(0)}{MARK_STOP}",
                             excerpt.replace(MARK_START, "").replace(MARK_STOP, ""))
        source = "note" if message.is_internal else "staff" if message.from_staff \
            else "customer"
        found[pk] = Highlight(_marked(marked), source)
    return found
