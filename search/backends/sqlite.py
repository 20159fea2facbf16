"""SQLite FTS5 backend: the embedded default, one database file in the data dir.

The FTS5 table is contentless and indexes the analyser's token streams with wirewatch's own
tokenizer (fts5ext.c), which splits only on the spaces we put between tokens and adds common
grams to the stemmed columns; where the extension is missing, with the `ascii` tokenizer and no
grams. `articles` holds the small per-article facts queries filter and sort on (id,
published); the article JSON lives apart, zlib-compressed, in `article_docs`, and is read only
for the hits shown. Updating or deleting an article re-analyses its stored text to remove the
old tokens, which is why the analyser version and tokenizer are recorded: an index made by
others is rebuilt from the stored articles when a writer opens it.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import importlib.util
import json
import logging
import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar

from search.analysis import ANALYZER_VERSION
from search.backends.base import (
    FACET_FIELDS,
    TOTAL_LIMIT,
    Health,
    Hit,
    IndexNotMadeYet,
    IndexResult,
    SearchBackend,
    SearchFilters,
    SearchResult,
    Sort,
    combine,
    interval_seconds,
)
from search.document import digest, keyword_values, token_fields
from search.highlight import highlight
from search.query import Node
from search.query.fts5 import (
    BM25_WEIGHTS,
    COMMON_GRAMS,
    FTS_COLUMNS,
    FTS_TABLE,
    GRAM_MARK,
    NO_GRAMS,
    STEM_COLUMNS,
    CommonGrams,
    CompiledQuery,
    Fts5Compiler,
)
from wirewatch.chunks import chunks
from wirewatch.errors import UnreachableError
from wirewatch.schema import Article
from wirewatch.sqlite import connect, migrate, rows_in, sqlite3, transaction

log = logging.getLogger(__name__)

_SCHEMA = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE articles (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        published REAL NOT NULL,
        digest TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles (published);
    CREATE TABLE article_docs (rowid INTEGER PRIMARY KEY, doc BLOB NOT NULL);
    CREATE TABLE article_keywords (
        field TEXT NOT NULL,
        key TEXT NOT NULL,
        article INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (field, key, article)
    ) WITHOUT ROWID;
    CREATE INDEX article_keywords_article ON article_keywords (article, field, value);
    """,
]
# FTS5 buffers up to 64 MiB of new tokens (default 1 MiB), which holds a bulk of BULK_SIZE
# articles, so that each bulk is written out as one segment (at 16 MiB one became three, and took
# about a fifth longer). It merges 16 segments of a level instead of 4, so that an article is
# rewritten by fewer merges (FTS5 alone at 1M, 16 gave 7% more rows/s than 8, and queries were as
# fast), and merges a level at once only at 32 (crisismerge). FTS5 also writes the buffer out as a
# segment when a later statement of the transaction opens a statement journal, so `index()` inserts
# a batch's FTS rows in one statement (docs/benchmarks.md, search, 2026-12-02 and its eighth
# session, and 2026-12-03, second and fourth sessions). It writes leaves of 16,000 bytes (default
# 4,050) into 16 KiB SQLite pages (default 4 KiB), which took about 5% off its own work at 1M
# (2026-12-03, sixth session; over the mapped file, queries were as fast and facets about a tenth
# slower: seventh session). A file made with 4 KiB pages keeps them.
_FTS_CONFIG = {"hashsize": 64 * 2**20, "automerge": 16, "crisismerge": 32, "pgsz": 16_000}
PAGE_SIZE = 16_384
CACHE_KIB = 65_536  # page cache per connection: FTS merges and facet scans fit in memory
# Pages are read from the file mapped into memory, not copied by a read() each: facets, which
# touch a page per hit, took a sixth (4 KiB pages) to two fifths (16 KiB) less at 1M
# (docs/benchmarks.md, search, 2026-12-03, seventh session). A bound, not an allocation; SQLite
# caps it at its build's maximum.
MMAP_BYTES = 64 * 2**30
# Relevance ranks, and facets count, the RANK_WINDOW most recently indexed matches, and totals
# stop at TOTAL_LIMIT: a query matching a third of a million articles costs what one matching ten
# thousand does.
RANK_WINDOW = 10_000


EXTENSION = "search.backends._fts5ext"  # fts5ext.c, compiled when the package is installed
_WITHOUT_EXTENSION = "ranking with bm25(), phrases of common words without grams"


@functools.cache
def _extension() -> str | None:
    """The compiled FTS5 extension's path, or None (with a warning, once) where it is missing."""
    spec = importlib.util.find_spec(EXTENSION)
    if spec is None or spec.origin is None or not hasattr(sqlite3.Connection, "enable_load_extension"):
        log.warning(
            "wirewatch's FTS5 extension is not compiled, or SQLite cannot load it: %s", _WITHOUT_EXTENSION
        )
        return None
    return spec.origin


def _load_extension(conn: sqlite3.Connection) -> bool:
    """Load wirewatch_rank and the wirewatch tokenizer into `conn`; False where they cannot be.
    Relevance then uses FTS5's bm25(), which ranks alike but counts each phrase over the whole
    index, and the index holds no common grams (see fts5ext.c)."""
    path = _extension()
    if path is None:
        return False
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path)
    except sqlite3.Error as exc:
        log.warning("cannot load %s: %s; %s", path, exc, _WITHOUT_EXTENSION)
        return False
    finally:
        conn.enable_load_extension(False)
    return True


# What leads each FTS column's text: the stemmed columns are marked for common grams (the `ascii`
# tokenizer reads the mark as a separator).
_COLUMN_MARKS = tuple(GRAM_MARK if column in STEM_COLUMNS.values() else "" for column in FTS_COLUMNS)


def _fts_values(article: Article) -> tuple[str, ...]:
    """The FTS columns' values, in FTS_COLUMNS order."""
    tokens = token_fields(article)
    return tuple(mark + tokens[column] for mark, column in zip(_COLUMN_MARKS, FTS_COLUMNS, strict=True))


_Indexed = list[tuple[int, Article]]  # rowid, article
_FTS_INSERT = f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) SELECT"  # FTS rows, from a source
_T = TypeVar("_T")
_KEYWORDS_INSERT_JSON = (
    "INSERT OR IGNORE INTO article_keywords (field, key, article, value) SELECT"
    " json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
    " json_extract(value, '$[3]') FROM json_each(?)"
)
# Articles per chunk the analysing thread hands to the writing one: small, so that writing starts
# soon after a batch does.
ANALYSE_CHUNK = 50
PIPE_BYTES = 2**20  # a pipe holding a few chunks' FTS rows, so that neither thread waits on the other


def _fts_rows(articles: _Indexed) -> list[tuple[object, ...]]:
    """The FTS rows (rowid, then the FTS columns' values) of (rowid, article)."""
    return [(rowid, *_fts_values(article)) for rowid, article in articles]


def _row_record(row: tuple[object, ...]) -> bytes:
    """One FTS row as wirewatch_rows (fts5ext.c) reads it from its pipe."""
    values = [str(value).encode() for value in row[1:]]
    head = struct.pack("<qI", row[0], len(values))
    return head + b"".join(struct.pack("<I", len(value)) + value for value in values)


def _feed(pipe: int, articles: _Indexed, then: Callable[[], _T]) -> _T:
    """Write the FTS rows of `articles` to `pipe`, chunk by chunk, and close it (which ends
    wirewatch_rows); then run `then`, while the writing thread writes out FTS5's pending terms."""
    with open(pipe, "wb") as out:
        for chunk in chunks(articles, ANALYSE_CHUNK):
            out.write(b"".join(map(_row_record, _fts_rows(chunk))))
    return then()


def _pipe() -> tuple[int, int]:
    """A pipe, widened to PIPE_BYTES where the system allows (Linux; else its default size)."""
    read_end, write_end = os.pipe()
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # type: ignore[attr-defined]
    return read_end, write_end


class _SideRows(NamedTuple):
    """What `index()` writes beside the FTS rows: keyword rows (a JSON array), article rows
    (rowid, id, published, digest) and packed documents."""

    keywords: str
    articles: list[tuple[int, str, float, str]]
    docs: list[tuple[int, bytes]]


_Document = tuple[str, str]  # an article's JSON and its digest
_ToWrite = list[tuple[int, Article, _Document | None]]  # rowid, article, its document if made


def _document(article: Article) -> _Document:
    """The JSON stored for an article, and its digest (equal digests: nothing to re-index)."""
    doc = article.model_dump_json()
    return doc, digest(doc)


def _side_rows(to_write: _ToWrite) -> _SideRows:
    """The side rows of (rowid, article, its document if already made). Run by the analysing
    thread while the writing one flushes FTS5, so a new article's document costs the writer
    nothing."""
    keywords = [
        (field, key, rowid, value)
        for rowid, article, _ in to_write
        for field, values in keyword_values(article).items()
        for key, value in values.items()
    ]
    articles, docs = [], []
    for rowid, article, made in to_write:
        doc, fingerprint = _document(article) if made is None else made
        articles.append((rowid, article.id, article.published.timestamp(), fingerprint))
        docs.append((rowid, _pack(doc)))
    return _SideRows(json.dumps(keywords, ensure_ascii=False), articles, docs)


def _pack(article_json: str) -> bytes:
    return zlib.compress(article_json.encode(), 1)


def _unpack(doc: bytes) -> Article:
    return Article.model_validate_json(zlib.decompress(doc))


def _layout(grams: CommonGrams) -> str:
    """What the FTS rows are made of: when it changes, the FTS table is rebuilt from the stored
    articles."""
    return f"analyzer {ANALYZER_VERSION}; columns {' '.join(FTS_COLUMNS)}; tokenize {grams.tokenizer()}"


class SqliteBackend(SearchBackend):
    """Articles in one SQLite file with an FTS5 index; safe for one writer and many readers."""

    name = "sqlite"
    supports_facets = True
    supports_histogram = True
    supports_retention = True
    total_limit = TOTAL_LIMIT
    rank_window = RANK_WINDOW
    _fts_insert_piped = (
        f"{_FTS_INSERT} rowid, "
        + ", ".join(f"c{i}" for i in range(len(FTS_COLUMNS)))
        + " FROM wirewatch_rows(?)"
    )
    _fts_insert_json = (
        f"{_FTS_INSERT} "
        + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(FTS_COLUMNS) + 1))
        + " FROM json_each(?)"
    )

    def __init__(self, path: Path, *, readonly: bool = False, common_grams: bool = True) -> None:
        """A writer makes the index with common grams when asked and the extension loads (else
        rebuilds it to match); a reader uses what the index was made with."""
        self.path = path
        self._lock = threading.Lock()
        self._analyser = ThreadPoolExecutor(1, thread_name_prefix="wirewatch-analyse")
        try:
            self._conn = connect(path, readonly=readonly, page_size=PAGE_SIZE)
            try:
                self._prepare(readonly, common_grams)
            except BaseException:
                self.close()  # a reader polling an index not made yet leaves nothing open
                raise
        except sqlite3.Error as exc:
            raise UnreachableError(f"cannot open search index {path}: {exc}") from None

    def _prepare(self, readonly: bool, common_grams: bool) -> None:
        """Tune the connection, load the extension, then make or check the index (writer) or
        learn how it was made (reader)."""
        self._conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        self._conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        self._conn.execute("PRAGMA temp_store=MEMORY")
        self._extension_loaded = _load_extension(self._conn)
        self._rank_function = self._extension_loaded  # tests turn it off to compare with bm25()
        self._readonly = readonly
        self._grams: CommonGrams
        if readonly:
            self._grams = self._index_grams()
        else:
            self._grams = COMMON_GRAMS if self._extension_loaded and common_grams else NO_GRAMS
            migrate(self._conn, _SCHEMA)
            self._check_layout()

    def _index_grams(self) -> CommonGrams:
        """The grams the index was made with, which a reader's phrases follow; asked again before
        each query, as a writer may rebuild the index under a long-lived reader (the API's)."""
        layout = self._stored_layout()
        if layout is None:
            raise IndexNotMadeYet(
                f"search index {self.path} is not made yet: has the pipeline run yet?"
                " (the stream makes it when it starts)"
            )
        if layout != _layout(COMMON_GRAMS):
            return NO_GRAMS
        if not self._extension_loaded:
            raise UnreachableError(
                f"cannot read search index {self.path}: it was made with wirewatch's FTS5 extension,"
                " which is not compiled or cannot be loaded here (reinstall: make install)"
            )
        return COMMON_GRAMS

    def _stored_layout(self) -> str | None:
        """What the FTS table was made with; None until a writer has made it (a reader may open
        the file between the writer creating it and committing the schema)."""
        if not self._conn.execute("PRAGMA user_version").fetchone()[0]:
            return None
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'fts'").fetchone()
        return None if row is None else str(row[0])

    def _check_layout(self) -> None:
        """Rebuild the FTS table from the stored articles if another analyser, column set or
        tokenizer made it; apply the FTS5 settings either way (they are kept in the table)."""
        if self._stored_layout() != _layout(self._grams):
            self._rebuild_fts()
        self._configure_fts()

    def _configure_fts(self) -> None:
        for key, value in _FTS_CONFIG.items():
            self._conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) VALUES (?, ?)", (key, value))

    def _rebuild_fts(self) -> None:
        articles = self.count()
        if articles:
            log.warning(
                "rebuilding the full-text index of %s (%d articles) for %s",
                self.path,
                articles,
                _layout(self._grams),
            )
        with transaction(self._conn) as conn:
            conn.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            conn.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({', '.join(FTS_COLUMNS)}, content='',"
                f" tokenize='{self._grams.tokenizer()}')"
            )
            self._configure_fts()
            docs = conn.execute("SELECT rowid, doc FROM article_docs ORDER BY rowid")
            while rows := docs.fetchmany(10_000):
                self._insert_fts([(rowid, _unpack(doc)) for rowid, doc in rows], lambda: None)
            conn.execute("DELETE FROM meta WHERE key = 'analyzer'")  # the layout says it now
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('fts', ?)", (_layout(self._grams),)
            )

    def close(self) -> None:
        self._analyser.shutdown()
        self._conn.close()

    # -- writing -------------------------------------------------------------------------

    def index(self, articles: Sequence[Article]) -> IndexResult:
        latest = {a.id: a for a in articles}  # the last version of an id in a batch wins
        unchanged = 0
        to_write: _ToWrite = []
        with self._lock, transaction(self._conn) as conn:
            stored = {
                row["id"]: row
                for row in rows_in(
                    self._conn, "SELECT id, rowid, digest FROM articles WHERE id IN ({ids})", list(latest)
                )
            }
            # One writer holds the lock, so new rowids can be handed out here and inserted in bulk.
            next_rowid = int(conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM articles").fetchone()[0])
            replaced: list[int] = []
            for article in latest.values():
                row = stored.get(article.id)
                if row is None:
                    to_write.append((next_rowid, article, None))
                    next_rowid += 1
                    continue
                made = _document(article)
                if row["digest"] == made[1]:
                    unchanged += 1
                    continue
                replaced.append(row["rowid"])
                to_write.append((row["rowid"], article, made))
            if not to_write:
                return IndexResult(written=0, unchanged=unchanged)
            self._remove(replaced)
            side = self._insert_fts(
                [(rowid, article) for rowid, article, _ in to_write], functools.partial(_side_rows, to_write)
            )
            conn.execute(_KEYWORDS_INSERT_JSON, (side.keywords,))
            conn.executemany(
                "INSERT INTO articles (rowid, id, published, digest) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (rowid) DO UPDATE SET published = excluded.published, digest = excluded.digest",
                side.articles,
            )
            conn.executemany("INSERT OR REPLACE INTO article_docs (rowid, doc) VALUES (?, ?)", side.docs)
        return IndexResult(written=len(to_write), unchanged=unchanged)

    def _insert_fts(self, articles: _Indexed, then: Callable[[], _T]) -> _T:
        """Insert the FTS rows of `articles` and write them out as one segment; return `then()`.

        The analysing thread analyses while this one inserts, in one statement fed through a pipe
        (with the extension), during which SQLite runs without the GIL: analysis and FTS5 share
        two cores. That thread runs `then` while this one has FTS5 sort and write out its pending
        terms, which it would otherwise do at the next statement, with the other core idle
        (docs/benchmarks.md, search, 2026-12-02, eighth session). Without the extension, one
        statement per chunk of JSON."""
        if not self._extension_loaded:
            for chunk in chunks(articles, ANALYSE_CHUNK):
                rows = _fts_rows(chunk)
                self._conn.execute(self._fts_insert_json, (json.dumps(rows, ensure_ascii=False),))
            return then()
        read_end, write_end = _pipe()
        feeding = self._analyser.submit(_feed, write_end, articles, then)
        try:
            self._conn.execute(self._fts_insert_piped, (read_end,))
            # FTS5's `flush` command: undocumented but old; the suite fails on a SQLite without it.
            self._conn.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('flush')")
        finally:
            os.close(read_end)  # a feeder still writing then stops, on a broken pipe
            wait([feeding])
        return feeding.result()

    def _remove(self, rowids: list[int]) -> None:
        """Remove articles' tokens and keywords (contentless FTS5 needs the old values)."""
        rows = rows_in(self._conn, "SELECT rowid, doc FROM article_docs WHERE rowid IN ({ids})", rowids)
        self._conn.executemany(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {', '.join(FTS_COLUMNS)})"
            f" VALUES ('delete', ?{', ?' * len(FTS_COLUMNS)})",
            _fts_rows([(row["rowid"], _unpack(row["doc"])) for row in rows]),
        )
        rows_in(self._conn, "DELETE FROM article_keywords WHERE article IN ({ids})", rowids)

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        cutoff = ((now or datetime.now(UTC)) - age).timestamp()
        with self._lock, transaction(self._conn) as conn:
            rowids = [r[0] for r in conn.execute("SELECT rowid FROM articles WHERE published < ?", (cutoff,))]
            self._remove(rowids)
            rows_in(self._conn, "DELETE FROM article_docs WHERE rowid IN ({ids})", rowids)
            conn.execute("DELETE FROM articles WHERE published < ?", (cutoff,))
        return len(rowids)

    # -- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT d.doc FROM articles a JOIN article_docs d ON d.rowid = a.rowid WHERE a.id = ?",
                (article_id,),
            ).fetchone()
        return _unpack(row["doc"]) if row else None

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        with self._lock:
            return {
                r[0]
                for r in rows_in(self._conn, "SELECT id FROM articles WHERE id IN ({ids})", list(set(ids)))
            }

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def health(self) -> Health:
        try:
            n = self.count()
        except sqlite3.Error as exc:
            return Health(False, f"sqlite {self.path}: {exc}")
        return Health(True, f"sqlite {self.path}", articles=n)

    def _compile(
        self, query: str | Node | None, filters: SearchFilters | None, now: datetime | None
    ) -> CompiledQuery:
        return self._compiler(now).compile(combine(query, filters, now))

    def _compiler(self, now: datetime | None) -> Fts5Compiler:
        if self._readonly:
            with self._lock:
                self._grams = self._index_grams()
        return Fts5Compiler(now, self._grams)

    def search(
        self,
        query: str | Node | None,
        filters: SearchFilters | None = None,
        sort: Sort = "relevance",
        page: int = 1,
        size: int = 20,
        now: datetime | None = None,
    ) -> SearchResult:
        node = combine(query, filters, now)
        compiled = self._compiler(now).compile(node)
        clause, params = compiled.from_clause()
        offset = (max(page, 1) - 1) * size
        ranked_by_score = sort == "relevance" and compiled.match is not None
        with self._lock:
            if ranked_by_score:
                score, score_params = self._score()
                ranking = self._relevance_sql(score, clause if compiled.where else None)
                ranking_params = [*score_params, *params]
            else:
                ranking = f"SELECT a.rowid AS rowid, 0.0 AS score {clause} ORDER BY a.published DESC, a.id"
                ranking_params = list(params)
            ranking_params += [size, offset]
            ranked = self._conn.execute(f"{ranking} LIMIT ? OFFSET ?", ranking_params).fetchall()
            if ranked_by_score and ranked:
                total = int(ranked[0]["matches"])  # the window counted them
            else:
                count_sql, count_params = compiled.count_sql(self.total_limit + 1)
                total = int(self._conn.execute(count_sql, count_params).fetchone()[0])
            docs = {
                row["rowid"]: row["doc"]
                for row in rows_in(
                    self._conn,
                    "SELECT rowid, doc FROM article_docs WHERE rowid IN ({ids})",
                    [r["rowid"] for r in ranked],
                )
            }
        hits = []
        for row in ranked:
            article = _unpack(docs[row["rowid"]])
            hits.append(Hit(article, float(row["score"]), highlight(node, article)))
        exact = total <= self.total_limit
        return SearchResult(
            total=min(total, self.total_limit), hits=hits, page=page, size=size, total_exact=exact
        )

    def _score(self) -> tuple[str, list[object]]:
        """The relevance expression over the FTS table (best lowest, as FTS5 ranks) and its
        parameters: wirewatch_rank where the extension is loaded, else FTS5's bm25()."""
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        if not self._rank_function:
            return f"bm25({FTS_TABLE}, {weights})", []
        # Two subqueries: SQLite reads min() or max() off the index only when it is alone.
        low, high = self._conn.execute(
            "SELECT (SELECT min(rowid) FROM articles), (SELECT max(rowid) FROM articles)"
        ).fetchone()
        return f"wirewatch_rank({FTS_TABLE}, ?, ?, {weights})", [low or 0, high or 0]

    def _relevance_sql(self, score: str, clause: str | None) -> str:
        """Rows (rowid, score, matches) best first: relevance over the newest `rank_window` matches
        (FTS5 reads its index in rowid order; ties go to the latest indexed), `matches` counting
        the window, which reaches one past `total_limit` so that it also tells the total. `clause`
        (FROM/WHERE) where other conditions apply; without, the FTS index alone is read."""
        limit = max(self.rank_window, self.total_limit + 1)
        if clause:
            window = f"SELECT f.rowid AS rowid, {score} AS fts_rank {clause} ORDER BY f.rowid DESC"
        else:
            window = f"SELECT rowid, {score} AS fts_rank FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
            window += " ORDER BY rowid DESC"
        return (
            f"WITH newest AS MATERIALIZED ({window} LIMIT {limit:d})"
            " SELECT rowid, -fts_rank AS score, (SELECT count(*) FROM newest) AS matches"
            f" FROM (SELECT * FROM newest ORDER BY rowid DESC LIMIT {self.rank_window:d})"
            " ORDER BY fts_rank, rowid DESC"
        )

    def matching_ids(
        self, query: str | Node | None, now: datetime | None = None, *, filters: SearchFilters | None = None
    ) -> set[str]:
        clause, params = self._compile(query, filters, now).from_clause()
        with self._lock:
            return {r[0] for r in self._conn.execute(f"SELECT a.id {clause}", params)}

    def facets(
        self,
        query: str | Node | None,
        fields: Sequence[str] = FACET_FIELDS,
        filters: SearchFilters | None = None,
        size: int = 10,
        now: datetime | None = None,
    ) -> dict[str, list[tuple[str, int]]]:
        compiled = self._compile(query, filters, now)
        clause, params = compiled.from_clause()
        # FTS5 yields matches in rowid order: ordered by its rowid, the newest come first unsorted.
        newest = "f.rowid" if compiled.match is not None else "a.rowid"
        out: dict[str, list[tuple[str, int]]] = {}
        with self._lock:
            self._conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS facet_hits"
                " (article INTEGER PRIMARY KEY, published REAL NOT NULL, id TEXT NOT NULL)"
            )
            self._conn.execute(
                "CREATE INDEX IF NOT EXISTS temp.facet_hits_newest ON facet_hits (published DESC, id)"
            )
            try:
                # Counted over the newest `rank_window` matches, like the ranking: a query matching
                # most of the index would otherwise group every one of them.
                self._conn.execute(
                    f"INSERT INTO temp.facet_hits SELECT a.rowid, a.published, a.id {clause}"
                    f" ORDER BY {newest} DESC LIMIT {self.rank_window:d}",
                    params,
                )
                for field in fields:
                    # CROSS JOIN keeps the hits as the outer loop: SQLite would otherwise scan
                    # every keyword of the field.
                    counts = self._conn.execute(
                        "SELECT k.key, count(*) AS n FROM temp.facet_hits h"
                        " CROSS JOIN article_keywords k ON k.article = h.article AND k.field = ?"
                        " GROUP BY k.key ORDER BY n DESC, k.key LIMIT ?",
                        (field, size),
                    ).fetchall()
                    out[field] = [(self._newest_spelling(field, key), int(n)) for key, n in counts]
            finally:
                self._conn.execute("DELETE FROM temp.facet_hits")
        return out

    def _newest_spelling(self, field: str, key: str) -> str:
        """A facet value as the newest hit having it spells it (hits walked newest first)."""
        row = self._conn.execute(
            "SELECT k.value FROM temp.facet_hits h CROSS JOIN article_keywords k"
            " ON k.field = ? AND k.key = ? AND k.article = h.article ORDER BY h.published DESC, h.id LIMIT 1",
            (field, key),
        ).fetchone()
        return str(row[0])

    def histogram(
        self,
        query: str | Node | None,
        interval: timedelta,
        filters: SearchFilters | None = None,
        now: datetime | None = None,
    ) -> list[tuple[datetime, int]]:
        step = interval_seconds(interval)
        clause, params = self._compile(query, filters, now).from_clause()
        with self._lock:
            rows = self._conn.execute(
                f"SELECT CAST(a.published / ? AS INTEGER) AS bucket, count(*) {clause}"
                " GROUP BY bucket ORDER BY bucket",
                [step, *params],
            ).fetchall()
        return [(datetime.fromtimestamp(r[0] * step, UTC), int(r[1])) for r in rows]
