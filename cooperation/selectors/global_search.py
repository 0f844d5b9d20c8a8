"""One ranked search across organizations, persons, agreements, missions and sources.

``search(GlobalSearchQuery(...))`` returns a ``SearchPage``; the API serves it as ``GET /api/v1/search/?q=``.

What matches
    A record's stored ``search_text`` (its names, titles, labels and aliases in
    every language, normalised one per line: ``cooperation.search_text``), and its
    summary or description (``Agreement.summary``; ``description`` of the
    others; sources have neither). The query is normalised like ``search_text``;
    summaries and descriptions, which are not stored normalised, are matched with
    ``text_pattern``: a case-insensitive regular expression that, like
    ``normalize``, ignores punctuation and apostrophes (``Luna Resurs`` finds
    "Luna-Resurs-1"). ``cooperation.search_text`` and the stored columns are unchanged.

Ranking (``score``)
    * 3.0: a whole name or label equals the query;
    * 2.0: a name or label starts with it;
    * 1.0: it occurs inside a name or label (on PostgreSQL also: every word of
      the query occurs among the names, in any order: full-text, ``simple``);
    * 0.5: only the summary or description matches (on PostgreSQL also through
      English full-text search, so ``agreements`` finds "agreement");
    * PostgreSQL only, below 0.5: a near miss: no name contains the query, but
      one is similar (pg_trgm ``word_similarity`` of at least
      ``NEAR_MISS_THRESHOLD``, queries of ``NEAR_MISS_MIN_LENGTH`` characters or
      more); the score is ``NEAR_MISS_WEIGHT`` times the similarity, so
      ``q=Rogozn`` finds Rogozin.
    Equal scores are ordered by type (organization, person, agreement, mission,
    source), then by name (titles for agreements and sources), then by id.

SQLite fallback
    Only the plain tiers: ``search_text`` contains the normalised query (3, 2,
    1), or the summary/description matches ``text_pattern`` (0.5; Django runs
    SQLite's REGEXP with Python's ``re``, so case folding covers every script).
    No word-order-free or stemmed full-text matching, no near misses.

Queries
    PostgreSQL: one statement for every searched type, whatever the number of matches or
    the page (``bounded_search``); it returns the page's records only, with the labels of
    each for the snippet. SQLite: one per searched type, returning only the type's first
    ``offset + limit`` rows, and the page is merged from those in Python (types tie before
    names, so each type's own order is all the merge needs).

Bounded work (PostgreSQL)
    Each way of matching is an index scan of its own (migrations 0005, 0009, 0012) that reads
    at most ``MAX_MATCHES`` rows: a whole name (an index on the name lines), a substring of
    a name (trigrams), the names' words (full text), the summary's words as written
    (trigrams of the text without apostrophes, then ``text_pattern``) and as English word
    forms (full text), a near miss (``<%``: sought only while fewer than ``MAX_MATCHES``
    names contain the query; past that, every near miss ranks below that many real
    matches; likewise, once a type's substring way is full, that type's names' words and
    summaries are not sought either). A record's score is the best its ways give it, and
    its names' tier (whole, start, inside) from ``LIKE`` on its own names. A common word
    thus costs at most ``MAX_MATCHES`` rows per way and type, at any size. While no way reaches the cap, the
    results and ``count`` are exactly those of scoring every match. When one does,
    ``count_exact`` is False, ``count`` is the number of distinct records found (a lower
    bound), and the results are those records, ranked as always: a record the full way
    did not read, or a skipped way would have found, may be missing. Synchronized scans
    are off (``config.settings``), so the records a capped scan reads are the same on
    every request.
    SQLite scores and counts every match (``COUNT(*) OVER ()``); its count is exact.

Snippets
    Where the query matched: the best matching name or label (of equally good ones, one in
    the active language first), else the summary or description, else (a near miss) the
    most similar name, else the record's display in the active language, with the spans of
    the match in it. Presenting it (a window of context, marking, escaping) is the caller's.

Languages
    Matching never depends on the language; the displays are in the active one
    (``cooperation.localization``, from the records' own ``localized_names``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from django.db import connections, models, router
from django.db.models import Case, Count, F, FloatField, OuterRef, Q, Subquery, TextField, Value, When, Window
from django.db.models.functions import Coalesce, Concat, Lower, NullIf
from django.utils.translation import gettext as _

from cooperation import models as m
from cooperation.errors import InvalidQuery, Problem
from cooperation.localization import CANONICAL, active_language, display
from cooperation.search_text import normalize

EXACT, PREFIX, SUBSTRING, TEXT = 3.0, 2.0, 1.0, 0.5
NEAR_MISS_THRESHOLD = 0.6  # pg_trgm word_similarity (its own default threshold for the <% operator)
NEAR_MISS_WEIGHT = 0.4  # a near miss scores at most 0.4: below every real match
NEAR_MISS_MIN_LENGTH = 4  # shorter queries share trigrams with too many names
MAX_QUERY_LENGTH = 200
MAX_MATCHES = 100  # PostgreSQL: rows read per way of matching and type (see "Bounded work")
SUBSTRING_WAY = "_substring"  # the statement's CTE of the names containing the query
NAMES_KEPT = 4096  # records whose names, normalised for snippets, a process keeps (a few MB)
APOSTROPHES = "'\u2019\u02bc`\u00b4"  # dropped inside words by normalize(); migration 0007 indexes text without them


class Lines(models.Aggregate):
    """The values of a text column, one per line (``STRING_AGG``; ``GROUP_CONCAT`` on SQLite)."""

    function = "STRING_AGG"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value("\n"), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


@dataclass(frozen=True)
class SearchType:
    name: str  # the result's ``type``
    model: type[models.Model]
    text_field: str | None  # the summary or description, if the model has one
    label_field: str | None  # the Label foreign key naming this model, if labels name it
    sort: models.Expression  # "then by name"

    @cached_property
    def name_fields(self) -> tuple[str, ...]:
        """The model's own searchable fields, slug last (a snippet prefers a real name to a slug)."""
        fields = self.model.search_fields
        return tuple(f for f in fields if f != "slug") + tuple(f for f in fields if f == "slug")


SEARCH_TYPES: dict[str, SearchType] = {
    t.name: t
    for t in (
        SearchType("organization", m.Organization, "description", "organization", Lower("name")),
        SearchType("person", m.Person, "description", "person", Lower("name")),
        SearchType(
            "agreement", m.Agreement, "summary", "agreement", Lower(Coalesce(NullIf("short_title", Value("")), "title"))
        ),
        SearchType("mission", m.Mission, "description", "mission", Lower("name")),
        SearchType("source", m.Source, None, None, Lower("title")),
    )
}
TYPE_NAMES = tuple(SEARCH_TYPES)


@dataclass(frozen=True)
class Snippet:
    """Where the query matched: a text (a name, a label, a summary...) and the spans of the match in it."""

    text: str
    spans: list[tuple[int, int]]


@dataclass(frozen=True)
class Hit:
    type: str
    obj: models.Model
    score: float
    snippet: Snippet
    display: str | None = None  # the record's display in the active language, if the search made it


@dataclass(frozen=True)
class SearchPage:
    count: int  # matches on all pages; a lower bound unless count_exact
    hits: list[Hit]
    count_exact: bool = True  # False when a way of matching reached MAX_MATCHES (PostgreSQL)


# --- the query ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlobalSearchQuery:
    """What to look for (``text``, normalised here), in which types, and which page of the ranked results."""

    text: str
    types: tuple[str, ...] = TYPE_NAMES
    offset: int = 0
    limit: int = 50
    normalized: str = field(init=False)

    def __post_init__(self):
        normalized = normalize(self.text)
        if not normalized:
            raise InvalidQuery([Problem("q", "invalid", _("q must contain at least one letter or digit."))])
        unknown = sorted(set(self.types) - set(TYPE_NAMES))
        if unknown:
            detail = _("Unknown type(s): {types}. Use any of: {choices}.").format(
                types=", ".join(unknown), choices=", ".join(TYPE_NAMES)
            )
            raise InvalidQuery([Problem("type__in", "invalid_choice", detail)])
        object.__setattr__(self, "normalized", normalized)


# --- the queries ------------------------------------------------------------------------------


_APOSTROPHES = f"[{APOSTROPHES}]*"  # what normalize() drops inside words (cooperation.search_text)
_SEPARATORS = r"(?:\W|_)+"  # what it turns into one space


def _word_pattern(word: str) -> str:
    return _APOSTROPHES.join(re.escape(char) for char in word)


@lru_cache(maxsize=256)
def text_pattern(query: str) -> str:
    """A regular expression finding the normalised ``query`` in text as written (used case-insensitively).

    ``"change 7"`` finds "Chang'e-7": apostrophes may separate letters, and any run of punctuation or
    spaces separates words. The same in Python, in SQLite (Django's REGEXP is Python's ``re``) and in
    PostgreSQL (``~*``): the query holds letters, digits and single spaces only.
    """
    return _SEPARATORS.join(_word_pattern(word) for word in query.split(" "))


def scored_matches(spec: SearchType, query: str, postgres: bool) -> models.QuerySet:
    """The type's matching records, every one scored (``search_score``) and counted (``search_total``), best first.

    The definition of the ranking: SQLite's path, and on PostgreSQL the reference that the
    bounded statement (``bounded_search``) is held to while no way is full (tests).
    """
    queryset = spec.model._default_manager.all()
    names = Q(search_text__contains=query)
    text = Q(**{f"{spec.text_field}__iregex": text_pattern(query)}) if spec.text_field else None
    name_words = near_miss = None
    default: models.Expression = Value(TEXT)
    if postgres:
        from django.contrib.postgres.search import SearchQuery, SearchVector, TrigramWordSimilarity

        queryset = queryset.alias(search_names=SearchVector("search_text", config="simple"))
        name_words = Q(search_names=SearchQuery(query, config="simple"))
        if spec.text_field:
            queryset = queryset.alias(search_body=SearchVector(spec.text_field, config="english"))
            text |= Q(search_body=SearchQuery(query, config="english"))
        if len(query) >= NEAR_MISS_MIN_LENGTH:
            queryset = queryset.alias(search_similarity=TrigramWordSimilarity(query, "search_text"))
            near_miss = Q(search_similarity__gte=NEAR_MISS_THRESHOLD)
            default = F("search_similarity") * Value(NEAR_MISS_WEIGHT)
    condition = names
    for extra in (name_words, text, near_miss):
        if extra is not None:
            condition |= extra
    whens = [
        When(search_text__contains=f"\n{query}\n", then=Value(EXACT)),
        When(search_text__contains=f"\n{query}", then=Value(PREFIX)),
        When(names, then=Value(SUBSTRING)),
    ]
    if name_words is not None:
        whens.append(When(name_words, then=Value(SUBSTRING)))
    if text is not None:
        whens.append(When(text, then=Value(TEXT)))
    queryset = (
        queryset.filter(condition)
        .alias(search_sort=spec.sort)
        .annotate(
            search_score=Case(*whens, default=default, output_field=FloatField()),
            search_total=Window(Count("pk")),
        )
    )
    if spec.label_field:
        queryset = queryset.annotate(search_labels=labels_subquery(spec))
    return queryset.order_by("-search_score", "search_sort", "pk")


def labels_subquery(spec: SearchType) -> Subquery:
    """The record's labels, one per line, each as ``language<TAB>text`` (for snippets in the reader's language)."""
    labels = (
        m.Label.objects.filter(**{spec.label_field: OuterRef("pk")})
        .order_by()
        .values(spec.label_field)
        .annotate(lines=Lines(Concat("language", Value("\t"), "text", output_field=TextField())))
        .values("lines")
    )
    return Subquery(labels, output_field=TextField())


def search(request: GlobalSearchQuery) -> SearchPage:
    """One page of ranked results: on PostgreSQL one statement for every type (``bounded_search``); on
    SQLite one query per type, each returning at most ``offset + limit`` rows, merged here."""
    query, offset, limit = request.normalized, request.offset, request.limit
    reader = active_language()
    alias = router.db_for_read(SEARCH_TYPES[request.types[0]].model) if request.types else "default"
    if connections[alias].vendor == "postgresql":
        from cooperation.selectors.bounded_search import bounded_page  # (it builds on this module)

        found, count, capped = bounded_page(request, alias)
        hits = [Hit(name, obj, round(score, 3), shown, text) for name, obj, score, shown, text in found]
        return SearchPage(count, hits, not capped)
    rows = []
    count = 0
    for name in request.types:
        spec = SEARCH_TYPES[name]
        found = list(scored_matches(spec, query, postgres=False)[: offset + limit])
        count += found[0].search_total if found else 0
        rows += [(-obj.search_score, TYPE_NAMES.index(name), index, spec, obj) for index, obj in enumerate(found)]
    rows.sort(key=lambda row: row[:3])
    hits = [
        Hit(spec.name, obj, round(obj.search_score, 3), snippet(spec, obj, query, reader))
        for _, _, _, spec, obj in rows[offset : offset + limit]
    ]
    return SearchPage(count, hits, True)


# --- snippets ---------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """The text as shown in a snippet: NFKC, whitespace collapsed."""
    text = text or ""
    if text.isascii():  # (NFKC leaves ASCII as it is)
        return " ".join(text.split())
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _phrase_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Where the normalised query occurs in ``text``, ignoring case, punctuation and apostrophes."""
    found = re.search(text_pattern(query), text, re.IGNORECASE)
    return [found.span()] if found else []


def _word_spans(text: str, query: str, stems: bool = False) -> list[tuple[int, int]]:
    """Each query word's first occurrence; with ``stems``, a shortened word at a word start too."""
    spans = []
    for word in query.split(" "):
        found = re.search(_word_pattern(word), text, re.IGNORECASE)
        length = len(word) - 1
        while found is None and stems and length >= 4:
            found = re.search(r"(?<!\w)" + _word_pattern(word[:length]), text, re.IGNORECASE)
            length -= 1
        if found:
            spans.append(found.span())
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _name_terms(spec: SearchType, obj: models.Model) -> tuple[tuple[str, str, str], ...]:
    """The record's names as a snippet shows them (``_clean``), each normalised and with its language:
    its own name fields (English), its labels, its slug last (no language)."""
    own = tuple(getattr(obj, field) for field in spec.name_fields)
    return _names(own, spec.name_fields[-1] == "slug", getattr(obj, "search_labels", None) or "")


@lru_cache(maxsize=NAMES_KEPT)
def _names(own: tuple[str, ...], slug_last: bool, labels: str) -> tuple[tuple[str, str, str], ...]:
    """``_name_terms`` of a record's own name fields and ``search_labels`` (``language<TAB>text`` lines).

    Kept per process (a pure function of its arguments): a page's snippets then normalise only the
    names of records no recent page showed."""
    lines = sorted(set(labels.split("\n")))
    labelled = [(text, language) for language, _, text in (line.partition("\t") for line in lines)]
    fields = [(term, CANONICAL) for term in own]
    if slug_last:
        fields[-1] = (own[-1], "")
        terms = [*fields[:-1], *labelled, fields[-1]]
    else:
        terms = [*fields, *labelled]
    cleaned = [(_clean(term), language) for term, language in terms if term]
    return tuple((term, normalize(term), language) for term, language in cleaned if term)


def forget_names() -> None:
    """Empty the names kept for snippets (tests)."""
    _names.cache_clear()


def snippet(spec: SearchType, obj: models.Model, query: str, reader: str | None = None) -> Snippet:
    """Where ``query`` (normalised) matched ``obj`` for a reader of ``reader`` (default: the active
    language): see the module docstring."""
    named = _name_terms(spec, obj)
    slug = len(named) - 1 if spec.name_fields[-1] == "slug" else -1
    # The best match; of those, one in the reader's language, a name rather than the slug, then the shortest.
    reader = reader or active_language()
    words = query.split(" ")
    several = len(words) > 1  # (one word is in a name exactly when the query is)
    best = None
    for i, (term, normal, language) in enumerate(named):
        # The name's tier: equal to the query, starting with it, containing it, or (PostgreSQL
        # full-text over the names) holding every word of it in another order.
        if query in normal:
            rank = EXACT if normal == query else PREFIX if normal.startswith(query) else SUBSTRING
        elif several and all(word in normal for word in words):
            rank = TEXT
        else:
            continue
        key = (rank, language == reader, i != slug, -len(term), -i)
        if best is None or key > best[0]:
            best = (key, term)
    if best is not None:
        rank, term = best[0][0], best[1]
        spans = _phrase_spans(term, query) if rank >= SUBSTRING else _word_spans(term, query)
        if spans:
            return Snippet(term, spans)
        normal = normalize(term)  # a spelling the patterns miss (e.g. "ß" folded to "ss"): show it normalised
        at = normal.find(query)
        return Snippet(normal, [(at, at + len(query))] if at != -1 else [])
    text = _clean(getattr(obj, spec.text_field)) if spec.text_field else ""
    if text:
        spans = _phrase_spans(text, query) or _word_spans(text, query, stems=True)
        if spans:
            return Snippet(text, spans)
    near = _near_miss([term for term, _, _ in named], query)
    if near is not None:
        return Snippet(*near)
    return Snippet(_clean(display(obj)), [])


def _trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each word padded with two spaces in front and one behind."""
    grams = set()
    for word in normalize(text).split():
        padded = f"  {word} "
        grams |= {padded[i : i + 3] for i in range(len(padded) - 2)}
    return grams


def _near_miss(terms: list[str], query: str) -> tuple[str, list[tuple[int, int]]] | None:
    """The run of words, as many as the query has, most similar to it (trigrams) in any name."""
    wanted = _trigrams(query)
    size = len(query.split(" "))
    best: tuple[float, str, tuple[int, int]] | None = None
    for term in terms:
        words = [found.span() for found in re.finditer(r"\w+", term)]
        for i in range(len(words)):
            span = (words[i][0], words[min(len(words), i + size) - 1][1])
            grams = _trigrams(term[span[0] : span[1]])
            similarity = len(wanted & grams) / len(wanted | grams) if grams else 0.0
            if best is None or similarity > best[0]:
                best = (similarity, term, span)
    return (best[1], [best[2]]) if best is not None and best[0] > 0 else None
