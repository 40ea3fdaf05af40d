"""The search engine: how a search finds, ranks, counts and quotes stories. Free of GraphQL:
the API and the admin call it with a QuerySet of the stories the caller may read.

**At save time** each language version's texts (title, summary, analysis, TL;DR, Key Data,
insights, FAQ) become `search_terms` (`cms.core.terms`, `cms.search.index.terms_of`), and
`search_scope` its language markers (`cms.search.index`): the version's language
(`lang:en`), every language its story has (`has:zh-hans`) and every requested language it is
served for with the default fallback chain (`serves:zh-hans`). On PostgreSQL, triggers
(created by cms/migrations/0001_squashed_0021_story_images.py) keep a table `cms_story_search`
with a `tsvector` per version: each token stored once per language it is served for
(`zh-hans:模型`), positions kept for ranking, and the markers; a GIN index covers it. A search
in one language thus reads one posting list per word, whose statistics the planner knows.

**At query time** the text is normalized the same way (Chinese in jieba's precise mode: its
words are among those search mode stored), duplicates dropped, at most `CMS_SEARCH_MAX_WORDS`
terms kept; every term must occur (AND), a term of a `SearchSynonym` group matches any term of
the group (OR), and only the version the story is served in counts.

**Bounded cost.** PostgreSQL's statistics say how many versions a search matches before it
runs (one plan, no visit of any match), and the search picks the plan whose cost does not grow
with the archive:
- *Few matches* (at most `CMS_SEARCH_PROBE_LIMIT`): one index probe lists the matching
  stories; the page keeps those the caller may read, in the list's order.
- *Many matches* (more than that, for words the planner's statistics list: any other word
  gets one guess, however rare it is, and is probed): the words are common, so the story list
  is walked in its own index order and each story checked by a per-row subquery; a page
  costs at most `21 × archive / probe limit` checks. A probe that overflows walks too.
Counting is exact up to `CMS_SEARCH_EXACT_COUNT`; beyond it the answer is the bound plus one,
flagged as a lower bound. The count starts from the index (the planner picks a bitmap of the
matches or a scan in storage order, whichever reaches the bound sooner) and checks each match
against the stories the caller may read, stopping at the bound. RELEVANCE ranks the newest
`RANK_WINDOW` matches, `WALK_RANK_WINDOW` when the list is walked.
"""

import contextlib
import hashlib
import html
import json
import uuid
from functools import cached_property

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, models, router, transaction
from django.db.models.expressions import RawSQL

from cms.core import languages
from cms.core.terms import CJK_CHAR, DOMAIN_WORDS, analyze, tokens_with_offsets

# RELEVANCE ranks the newest this many matches (each rank reads the story's stored vector)...
RANK_WINDOW = 100
# ...and this many when there are more matches than the probe lists, found by walking the list.
WALK_RANK_WINDOW = 50
SNIPPET_CHARS = {"latin": 200, "cjk": 90}


def _default_chain(code):
    return languages.chain(code)


# ---------------------------------------------------------------------------------------------
# Queries


class SearchQuery:
    """A search text, normalized: a list of clauses that must all match.

    Each clause is a tuple of alternatives (a synonym group, or one term alone); each
    alternative is a tuple of tokens that must all occur.
    """

    def __init__(self, text, synonym_groups=()):
        tokens = []
        for token in analyze(text, mode="default"):
            if token not in tokens:
                tokens.append(token)
        tokens = tokens[: settings.CMS_SEARCH_MAX_WORDS]
        self.clauses = self._with_synonyms(tokens, synonym_groups)

    @staticmethod
    def _with_synonyms(tokens, groups):
        # Every term of every group, as a token sequence, pointing at its group.
        by_sequence = {}
        for group in groups:
            alternatives = tuple(dict.fromkeys(term for term in group if term))
            for term in alternatives:
                by_sequence.setdefault(term, alternatives)
        longest = max((len(term) for term in by_sequence), default=0)
        clauses, position = [], 0
        while position < len(tokens):
            for size in range(min(longest, len(tokens) - position), 0, -1):
                group = by_sequence.get(tuple(tokens[position : position + size]))
                if group is not None:
                    clauses.append(group)
                    position += size
                    break
            else:
                clauses.append(((tokens[position],),))
                position += 1
        unique = []
        for clause in clauses:
            if clause not in unique:
                unique.append(clause)
        return unique

    @property
    def empty(self):
        return not self.clauses

    @property
    def words(self):
        """Every token any alternative needs: what a snippet marks."""
        return {token for clause in self.clauses for alt in clause for token in alt}


# The analyzed groups are kept in the shared cache: every search needs them, and reading and
# segmenting them costs more than the rest of a rare word's search. They are stored under a
# generation that saving or deleting a group replaces (`synonyms_changed`), now and again on commit:
# a search that read the groups before the change committed stores them under a generation
# nobody reads any more. The timeout bounds what a bulk change, which sends no signal, leaves
# stale. The key names the domain words, which change how terms are analyzed.
_DOMAIN_DIGEST = hashlib.sha256("\n".join(DOMAIN_WORDS).encode()).hexdigest()[:12]
SYNONYMS_KEY = f"cms:search:synonyms:{_DOMAIN_DIGEST}"
SYNONYMS_GENERATION = f"{SYNONYMS_KEY}:generation"
SYNONYMS_TIMEOUT = 3600


def _synonyms_generation():
    from django.core.cache import cache

    generation = cache.get(SYNONYMS_GENERATION)
    if generation is None:
        # Evicted or never set: a new one, so nothing stored before can be read.
        cache.add(SYNONYMS_GENERATION, uuid.uuid4().hex, timeout=None)
        generation = cache.get(SYNONYMS_GENERATION)
    return generation


def synonym_groups():
    """Every synonym group, each term as the token sequence a query would make of it."""
    from django.core.cache import cache

    key = f"{SYNONYMS_KEY}:{_synonyms_generation()}"
    groups = cache.get(key)
    if groups is None:
        groups = _synonym_groups_from_database()
        cache.set(key, groups, SYNONYMS_TIMEOUT)
    return [[tuple(term) for term in group] for group in groups]


def _synonym_groups_from_database():
    from cms.models import SearchSynonym

    return [
        [tuple(analyze(term, mode="default")) for term in terms]
        for terms in (row.term_list() for row in SearchSynonym.objects.all())
    ]


def synonyms_changed(sender, **kwargs):
    _new_synonyms_generation()
    transaction.on_commit(_new_synonyms_generation)


def _new_synonyms_generation():
    from django.core.cache import cache

    cache.set(SYNONYMS_GENERATION, uuid.uuid4().hex, timeout=None)


def _quote(token):
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _scope_condition(chain):
    """The markers that make a version the served one for `chain`, as (kind, marker) terms."""
    if chain == _default_chain(chain[0]):
        return [[("serves", chain[0])]]
    return [
        [("lang", code), *(("not-has", earlier) for earlier in chain[:position])]
        for position, code in enumerate(chain)
    ]


class _Sql:
    """The SQL of one search for a translation table alias, per database."""

    def __init__(self, query, chain, db):
        self.query = query
        self.chain = chain
        self.postgres = connections[db].vendor == "postgresql"
        # PostgreSQL searches the narrow table its triggers keep (migration 0001).
        self.table = "cms_story_search" if self.postgres else _translation_table()

    def _words_tsquery(self, prefixes):
        """Every clause, each token as `prefix:token` for any of `prefixes` (languages)."""

        def token(value):
            return "(" + " | ".join(_quote(f"{prefix}:{value}") for prefix in prefixes) + ")"

        return " & ".join(
            "(" + " | ".join("(" + " & ".join(map(token, alt)) + ")" for alt in clause) + ")"
            for clause in self.query.clauses
        )

    def _tsquery(self):
        # With the default chain the words under the served language's prefix say it all;
        # a key's narrower chain also needs the markers (a slower, rarer query).
        if self.chain == _default_chain(self.chain[0]):
            return self._words_tsquery([self.chain[0]])
        branches = []
        for position, code in enumerate(self.chain):
            markers = [_quote(f"lang:{code}")]
            markers += [f"!{_quote('has:' + earlier)}" for earlier in self.chain[:position]]
            branches.append(f"({self._words_tsquery([code])}) & " + " & ".join(markers))
        return " | ".join(f"({branch})" for branch in branches)

    def match(self, alias):
        """A condition: the version at `alias` is the served one and has every clause."""
        if self.postgres:
            return f"{alias}.search_vector @@ %s::tsquery", [self._tsquery()]
        terms = f"(' ' || {alias}.search_terms || ' ')"
        scope = f"(' ' || {alias}.search_scope || ' ')"
        sql, params = [], []
        for clause in self.query.clauses:
            alternatives = []
            for alt in clause:
                alternatives.append("(" + " AND ".join([f"{terms} LIKE %s"] * len(alt)) + ")")
                params += [f"% {token} %" for token in alt]
            sql.append("(" + " OR ".join(alternatives) + ")")
        branches = []
        for branch in _scope_condition(self.chain):
            conditions = []
            for kind, value in branch:
                negated = "NOT " if kind == "not-has" else ""
                marker = f"has:{value}" if kind == "not-has" else f"{kind}:{value}"
                conditions.append(f"{scope} {negated}LIKE %s")
                params.append(f"% {marker} %")
            branches.append("(" + " AND ".join(conditions) + ")")
        sql.append("(" + " OR ".join(branches) + ")")
        return " AND ".join(sql), params

    def served(self, alias):
        """A cheap condition on the markers that the version at `alias` may be the served one.

        Checked before `match`, so a story's other versions' vectors are never read.
        """
        scope = f"(' ' || {alias}.search_scope || ' ')"
        # Each branch starts with its positive marker: `serves:` or `lang:`.
        markers = [f"{kind}:{code}" for (kind, code), *_rest in _scope_condition(self.chain)]
        sql = "(" + " OR ".join([f"{scope} LIKE %s"] * len(markers)) + ")"
        return sql, [f"% {marker} %" for marker in markers]

    def rank(self, alias):
        """A relevance score of the version at `alias`: higher is better."""
        if self.postgres:
            prefixes = (
                [self.chain[0]] if self.chain == _default_chain(self.chain[0]) else self.chain
            )
            return f"ts_rank_cd({alias}.search_vector, %s::tsquery)::float8", [
                self._words_tsquery(prefixes)
            ]
        # Term frequency: occurrences of each token, tokens padded by two spaces each side.
        padded = f"(' ' || replace({alias}.search_terms, ' ', '  ') || ' ')"
        parts, params = [], []
        for token in sorted(self.query.words):
            parts.append(f"(length({padded}) - length(replace({padded}, %s, ''))) / %s")
            params += [f" {token} ", float(len(token) + 2)]
        return "CAST(" + " + ".join(parts) + " AS REAL)", params


def _translation_model():
    from cms.models import StoryTranslation

    return StoryTranslation


def _translation_table():
    return _translation_model()._meta.db_table


class _PerStory(models.Expression):
    """A subquery on the story's served version, evaluated row by row (never flattened)."""

    def __init__(self, sql, kind, output_field):
        super().__init__(output_field=output_field)
        self.sql = sql
        self.kind = kind
        self.pk = models.F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, expressions):
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        match_sql, match_params = self.sql.match("_st")
        served_sql, served_params = self.sql.served("_st")
        table = self.sql.table
        where = f"_st.master_id = {pk_sql} AND {served_sql} AND {match_sql}"
        match_params = [*served_params, *match_params]
        if self.kind == "rank":
            rank_sql, rank_params = self.sql.rank("_st")
            sql = f"(SELECT {rank_sql} FROM {table} _st WHERE {where} LIMIT 1)"
            return sql, (*rank_params, *pk_params, *match_params)
        # A scalar subquery: PostgreSQL runs it per story in the list's own index order,
        # where an EXISTS would be turned into a join over every match.
        sql = f"(SELECT 1 FROM {table} _st WHERE {where} LIMIT 1) IS NOT NULL"
        return sql, (*pk_params, *match_params)


class _AmongIds(models.Expression):
    """The story is one of `ids`: on PostgreSQL one array parameter, `pk = ANY(%s)`.

    The probe lists up to thousands of stories (a word of middle frequency): as `pk IN (...)`
    each id would be a parameter of its own, which Django prepares, psycopg quotes and the
    planner estimates one by one, many times what the page itself costs. One array is planned
    into the same index scan.
    """

    conditional = True

    def __init__(self, ids):
        super().__init__(output_field=models.BooleanField())
        self.ids = list(ids)
        self.pk = models.F("pk")

    def get_source_expressions(self):
        return [self.pk]

    def set_source_expressions(self, expressions):
        (self.pk,) = expressions

    def as_sql(self, compiler, connection):
        pk_sql, pk_params = compiler.compile(self.pk)
        return f"{pk_sql} = ANY(%s::bigint[])", (*pk_params, self.ids)


class Search:
    """One search of one language chain: filter, rank, count and quote with it.

    `chain` is the served language followed by its fallbacks (what `languages.chain` gives);
    a story matches in the first language of the chain it has, the one it is served in.
    """

    def __init__(self, text, chain, synonyms=None):
        self.text = text
        self.chain = list(chain)
        self.query = SearchQuery(text, synonym_groups() if synonyms is None else synonyms)
        # Where the stories are read (a replica inside `public_reads()`): the index is asked
        # on the same database as the page and the count.
        self.db = router.db_for_read(_translation_model())
        self.sql = _Sql(self.query, self.chain, self.db) if self.chain else None
        self.bound = settings.CMS_SEARCH_EXACT_COUNT

    @property
    def finds_nothing(self):
        return self.query.empty or not self.chain

    @cached_property
    def estimate(self):
        """PostgreSQL's estimate of the matching versions, from its statistics (None elsewhere).

        Asking costs a plan, no visit of any match; with every token stored under its
        served language, a word's estimate is close (independence makes several words' a
        guess).
        """
        if self.finds_nothing or not self.sql.postgres:
            return None
        match_sql, params = self.sql.match("t")
        return self._planned_rows(match_sql, params)

    @cached_property
    def unknown_estimate(self):
        """The planner's estimate for a word its statistics do not list (None elsewhere).

        Statistics list the most common words; any other word gets the same guess, a share
        of the rarest listed word's frequency, however rare it really is. A search whose
        estimate is not above this guess holds a word the planner knows nothing of, so the
        estimate says nothing about how common its matches are.
        """
        if self.finds_nothing or not self.sql.postgres:
            return None
        return self._planned_rows("t.search_vector @@ %s::tsquery", [_quote("cms:unknown")])

    def _planned_rows(self, condition, params):
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {self.sql.table} t WHERE {condition}",
                params,
            )
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    @property
    def common(self):
        """Whether the planner knows the words to match more versions than the probe lists."""
        if self.estimate is None or self.estimate <= self.probe_limit:
            return False  # No second plan needed: few matches are probed anyway.
        return self.estimate > self.unknown_estimate

    @cached_property
    def probe_limit(self):
        # SQLite scans every version anyway: listing more than the bound buys nothing there.
        return settings.CMS_SEARCH_PROBE_LIMIT if self.sql and self.sql.postgres else self.bound

    @cached_property
    def candidates(self):
        """Ids of stories with a matching served version, if at most `probe_limit`; else None."""
        if self.finds_nothing:
            return []
        if self.common:
            return None  # Common words: asking the index would list a good part of the archive.
        match_sql, params = self.sql.match("t")
        scope = transaction.atomic(using=self.db) if self.sql.postgres else contextlib.nullcontext()
        with scope, connections[self.db].cursor() as cursor:
            if self.sql.postgres:
                # Only the index: when words are common together but rare where they meet,
                # a sequential scan "until the limit" would read the whole table.
                cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                f"SELECT t.master_id FROM {self.sql.table} t WHERE {match_sql} LIMIT %s",
                [*params, self.probe_limit + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if len(ids) > self.probe_limit:
            self._listed = ids  # Too many to list, but enough to show there are many.
            return None
        return ids

    def matching(self, queryset):
        """`queryset` narrowed to the stories whose served version matches."""
        if self.finds_nothing:
            return queryset.none()
        if self.candidates is not None:
            return self._among(queryset, self.candidates)
        # Common words: walk the list in its own order, checking each story.
        return queryset.filter(_PerStory(self.sql, "match", models.BooleanField()))

    def _among(self, stories, ids):
        """`stories` narrowed to those of `ids` (listed by the probe); none costs no query."""
        if self.sql.postgres and ids:
            return stories.filter(_AmongIds(ids))
        return stories.filter(pk__in=ids)

    def ranked(self, matching):
        """The matching stories with `search_rank`, for ordering by relevance.

        `matching` is what `matching()` returned (further filters allowed). Only the newest
        `RANK_WINDOW` matches are ranked, `WALK_RANK_WINDOW` when the list is walked.
        """
        if self.finds_nothing:
            return matching.annotate(search_rank=models.Value(0.0))
        window = WALK_RANK_WINDOW if self.candidates is None else RANK_WINDOW
        if self.candidates is None or len(self.candidates) > window:
            newest = matching.order_by("-published_at", "-pk").values_list("pk", flat=True)
            matching = matching.filter(pk__in=list(newest[:window]))
        return matching.annotate(search_rank=_PerStory(self.sql, "rank", models.FloatField()))

    def count(self, stories):
        """(how many of `stories` match, whether that is a lower bound): exact up to the bound.

        `stories` are those the caller may read, before this search narrows them: the
        index's candidates and the planner's statistics also hold drafts and stories of
        other tags, so beyond the bound the answer is "more than the bound", never a figure
        that hidden stories could move.
        """
        if self.finds_nothing:
            return 0, False
        if self.candidates is not None and len(self.candidates) <= self.bound:
            return self._among(stories, self.candidates).count(), False
        if self.candidates is not None:
            # Every match is listed (more than the bound, fewer than the probe limit: a word
            # in a few per cent of stories): count readable stories among them, a primary-key
            # probe each, instead of matching the index again (rechecking each version's
            # vector: hundreds of milliseconds at 100,000 stories).
            found = self._among(stories, self.candidates).order_by()[: self.bound + 1].count()
        elif self.sql.postgres:
            found = self._count_among_listed(stories) or self._count_from_index(stories)
        else:
            found = self.matching(stories).order_by()[: self.bound + 1].count()
        if found <= self.bound:
            return found, False
        return self.bound + 1, True

    def _count_among_listed(self, stories):
        """Bound + 1 when the matches an overflowing probe listed hold that many of `stories`
        (then the index need not be asked again); else None."""
        listed = getattr(self, "_listed", None)
        if not listed:
            return None
        among = self._among(stories, listed[: 2 * self.bound]).order_by()[: self.bound + 1]
        return self.bound + 1 if among.count() > self.bound else None

    def _count_from_index(self, stories):
        """Matching versions whose story is among `stories`, counted up to the bound + 1.

        Each served version stands for one story. The planner reaches the bound by a bitmap
        of the matches when they are few, or by reading versions in storage order when most
        versions match; either way each match costs one primary-key probe of its story.
        """
        # The words' tsquery matches only a served version (its tokens are stored under the
        # languages a version is served for; a key's chain adds the markers), so no marker
        # check is added: one would only blur the planner's estimate of the matches.
        match_sql, match_params = self.sql.match("t")
        story = stories.order_by().filter(pk=RawSQL("t.master_id", [])).values("pk")[:1]
        try:
            story_sql, story_params = story.query.get_compiler(using=stories.db).as_sql()
        except EmptyResultSet:
            return 0  # `stories` is known to be empty (`.none()`).
        with connections[stories.db].cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {self.sql.table} t "
                f"WHERE {match_sql} AND EXISTS ({story_sql}) LIMIT %s) found",
                [*match_params, *story_params, self.bound + 1],
            )
            return cursor.fetchone()[0]

    def snippets(self, story_ids):
        """Story id to a highlighted passage of its served version (one query for a page)."""
        return snippets(story_ids, self.query, self.chain)

    def page_snippets(self, story_ids):
        """The snippets of a page, loaded together when the first one is asked for."""
        return PageSnippets(self, story_ids)


class PageSnippets:
    """A page's snippets: no query unless one is read, then one query for all."""

    def __init__(self, search, story_ids):
        self.search = search
        self.story_ids = list(story_ids)

    @cached_property
    def _all(self):
        return self.search.snippets(self.story_ids)

    def get(self, story_id):
        return self._all.get(story_id)


def matching(queryset, text, chain):
    """Stories of `queryset` whose version served in `chain` matches every word of `text`."""
    return Search(text, chain).matching(queryset)


def ranked(queryset, text, chain):
    """The matching stories of `queryset` annotated with `search_rank`."""
    found = Search(text, chain)
    return found.ranked(found.matching(queryset))


def count(queryset, text, chain):
    """(number of matching stories of `queryset`, whether it is only a lower bound)."""
    return Search(text, chain).count(queryset)


# ---------------------------------------------------------------------------------------------
# Snippets


def snippets(story_ids, query, chain):
    """Story id to an HTML passage of the served version around the search's words.

    The served version is the first of `chain` the story has, as `languages.pick` chooses.

    `query` is a `SearchQuery` or a search text. The passage is escaped text with each found
    word in `<mark>`; it comes from the summary and analysis (the title is shown anyway).
    """
    from cms.models import StoryTranslation

    if isinstance(query, str):
        query = SearchQuery(query, synonym_groups())
    ids = list(story_ids)
    if not ids or not chain:
        return {}
    order = {code: position for position, code in enumerate(chain)}
    served = {}
    rows = StoryTranslation.objects.filter(master_id__in=ids, language_code__in=chain)
    for story_id, code, summary, analysis in rows.values_list(
        "master_id", "language_code", "summary", "analysis_text"
    ):
        if story_id not in served or order[code] < served[story_id][0]:
            served[story_id] = (order[code], summary, analysis)
    return {
        story_id: highlight("\n".join(part for part in texts if part), query.words)
        for story_id, (_position, *texts) in served.items()
    }


def highlight(text, words):
    """The best window of `text` for `words`, escaped, each hit in `<mark>`."""
    found = tokens_with_offsets(text, wanted=words)
    hits = [(start, end, tok) for tok, start, end in found if tok in words]
    # Search mode yields words inside words: keep the longest of overlapping hits.
    hits.sort(key=lambda hit: (hit[0], -(hit[1] - hit[0])))
    spans = []
    for start, end, token in hits:
        if spans and start < spans[-1][1]:
            if end > spans[-1][1]:
                spans[-1] = (spans[-1][0], end, spans[-1][2] | {token})
            else:
                spans[-1][2].add(token)
            continue
        spans.append((start, end, {token}))
    cjk = len(CJK_CHAR.findall(text)) * 2 > len(text)
    size = SNIPPET_CHARS["cjk" if cjk else "latin"]
    begin = _best_window(spans, size)
    begin = max(0, begin - size // 4)
    if not cjk and begin:
        space = text.rfind(" ", 0, begin)
        begin = space + 1 if space >= 0 and begin - space < 30 else begin
    end = min(len(text), begin + size)
    if not cjk and end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space - end < 30 else end
    parts, cursor = [], begin
    for start, stop, _tokens in spans:
        if start < begin or stop > end:
            continue
        parts.append(html.escape(text[cursor:start]))
        parts.append(f"<mark>{html.escape(text[start:stop])}</mark>")
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    passage = " ".join("".join(parts).split())
    return ("…" if begin else "") + passage + ("…" if end < len(text) else "")


def _best_window(spans, size):
    """Where the window of `size` characters holding the most distinct hit words starts."""
    best, best_start = 0, 0
    for index, (start, _end, _tokens) in enumerate(spans):
        seen = set()
        for _other_start, other_end, tokens in spans[index:]:
            if other_end - start > size:
                break
            seen |= tokens
        if len(seen) > best:
            best, best_start = len(seen), start
    return best_start
