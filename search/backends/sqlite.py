"""SQLite FTS5 backend: the embedded default, one database file in the data dir.

The FTS5 table is contentless and indexes the analyser's token streams with the `ascii`
tokenizer, which splits only on the spaces we put between tokens. `articles` holds the small
per-article facts queries filter and sort on (id, published); the article JSON lives apart,
zlib-compressed, in `article_docs`, and is read only for the hits shown. Updating or deleting
an article re-analyses its stored text to remove the old tokens, which is why the analyser
version is recorded and checked at open.
"""

from __future__ import annotations

import sqlite3
import threading
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from search.analysis import ANALYZER_VERSION
from search.backends.base import (
    FACET_FIELDS,
    Health,
    Hit,
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
from search.query.fts5 import BM25_WEIGHTS, FTS_COLUMNS, FTS_TABLE, CompiledQuery, Fts5Compiler
from wirewatch.errors import UnreachableError
from wirewatch.schema import Article
from wirewatch.sqlite import connect, migrate, transaction

_SCHEMA = [
    f"""
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
    CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        {", ".join(FTS_COLUMNS)}, content='', tokenize='ascii'
    )
    """,
]
CHUNK = 500  # ids per `IN (...)` list
CACHE_KIB = 65_536  # page cache per connection: FTS merges and facet scans fit in memory


def _fts_values(article: Article) -> tuple[str, ...]:
    """The FTS columns' values, in FTS_COLUMNS order."""
    tokens = token_fields(article)
    return tuple(tokens[column] for column in FTS_COLUMNS)


def _pack(article_json: str) -> bytes:
    return zlib.compress(article_json.encode(), 1)


def _unpack(doc: bytes) -> Article:
    return Article.model_validate_json(zlib.decompress(doc))


class SqliteBackend(SearchBackend):
    """Articles in one SQLite file with an FTS5 index; safe for one writer and many readers."""

    name = "sqlite"
    supports_facets = True
    supports_histogram = True
    supports_retention = True

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._conn = connect(path, readonly=readonly)
            self._conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._conn.execute("PRAGMA temp_store=MEMORY")
            if not readonly:
                migrate(self._conn, _SCHEMA)
                self._check_analyzer()
        except sqlite3.Error as exc:
            raise UnreachableError(f"cannot open search index {path}: {exc}") from None

    def _check_analyzer(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'analyzer'").fetchone()
        if row is None:
            self._conn.execute(
                "INSERT INTO meta (key, value) VALUES ('analyzer', ?)", (str(ANALYZER_VERSION),)
            )
        elif int(row[0]) != ANALYZER_VERSION:
            raise UnreachableError(
                f"search index {self.path} was built with analyzer v{row[0]}, this wirewatch uses"
                f" v{ANALYZER_VERSION}: delete the file to rebuild it from the feeds"
            )

    def close(self) -> None:
        self._conn.close()

    def _by_ids(self, sql: str, ids: Sequence[object]) -> list[sqlite3.Row]:
        """Rows of `sql` (with one `{ids}` placeholder for an IN list) for many ids, in chunks."""
        rows: list[sqlite3.Row] = []
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows.extend(self._conn.execute(sql.format(ids=",".join("?" * len(chunk))), chunk))
        return rows

    # -- writing -------------------------------------------------------------------------

    def index(self, articles: Sequence[Article]) -> IndexResult:
        latest = {a.id: a for a in articles}  # the last version of an id in a batch wins
        fts_rows: list[tuple[object, ...]] = []
        doc_rows: list[tuple[int, bytes]] = []
        keyword_rows: list[tuple[str, str, int, str]] = []
        unchanged = 0
        new_rows: list[tuple[int, str, float, str]] = []
        with self._lock, transaction(self._conn) as conn:
            stored = {
                row["id"]: row
                for row in self._by_ids(
                    "SELECT id, rowid, digest FROM articles WHERE id IN ({ids})", list(latest)
                )
            }
            # One writer holds the lock, so new rowids can be handed out here and inserted in bulk.
            next_rowid = int(conn.execute("SELECT coalesce(max(rowid), 0) + 1 FROM articles").fetchone()[0])
            for article in latest.values():
                doc = article.model_dump_json()
                fingerprint = digest(doc)
                row = stored.get(article.id)
                if row is not None and row["digest"] == fingerprint:
                    unchanged += 1
                    continue
                if row is not None:
                    rowid = row["rowid"]
                    self._remove([rowid])
                    conn.execute(
                        "UPDATE articles SET published = ?, digest = ? WHERE rowid = ?",
                        (article.published.timestamp(), fingerprint, rowid),
                    )
                else:
                    rowid, next_rowid = next_rowid, next_rowid + 1
                    new_rows.append((rowid, article.id, article.published.timestamp(), fingerprint))
                doc_rows.append((rowid, _pack(doc)))
                fts_rows.append((rowid, *_fts_values(article)))
                keyword_rows.extend(
                    (field, key, rowid, value)
                    for field, values in keyword_values(article).items()
                    for key, value in values.items()
                )
            conn.executemany(
                "INSERT INTO articles (rowid, id, published, digest) VALUES (?, ?, ?, ?)", new_rows
            )
            conn.executemany("INSERT OR REPLACE INTO article_docs (rowid, doc) VALUES (?, ?)", doc_rows)
            conn.executemany(
                f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?)", fts_rows
            )
            conn.executemany(
                "INSERT OR IGNORE INTO article_keywords (field, key, article, value) VALUES (?, ?, ?, ?)",
                keyword_rows,
            )
        return IndexResult(written=len(fts_rows), unchanged=unchanged)

    def _remove(self, rowids: list[int]) -> None:
        """Remove articles' tokens and keywords (contentless FTS5 needs the old values)."""
        rows = self._by_ids("SELECT rowid, doc FROM article_docs WHERE rowid IN ({ids})", rowids)
        self._conn.executemany(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {', '.join(FTS_COLUMNS)})"
            " VALUES ('delete', ?, ?, ?, ?, ?)",
            [(row["rowid"], *_fts_values(_unpack(row["doc"]))) for row in rows],
        )
        self._by_ids("DELETE FROM article_keywords WHERE article IN ({ids})", rowids)

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        cutoff = ((now or datetime.now(UTC)) - age).timestamp()
        with self._lock, transaction(self._conn) as conn:
            rowids = [r[0] for r in conn.execute("SELECT rowid FROM articles WHERE published < ?", (cutoff,))]
            self._remove(rowids)
            self._by_ids("DELETE FROM article_docs WHERE rowid IN ({ids})", rowids)
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
            return {r[0] for r in self._by_ids("SELECT id FROM articles WHERE id IN ({ids})", list(set(ids)))}

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
        return Fts5Compiler(now).compile(combine(query, filters, now))

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
        compiled = Fts5Compiler(now).compile(node)
        clause, params = compiled.from_clause()
        offset = (max(page, 1) - 1) * size
        if sort == "relevance" and compiled.match is not None:
            # bm25 must be computed for every hit; ties go to the latest indexed (rowid), so
            # without other conditions the ranking reads the FTS index alone.
            score = f"-bm25({FTS_TABLE}, {', '.join(str(w) for w in BM25_WEIGHTS)})"
            if compiled.where:
                ranking = (
                    f"SELECT a.rowid AS rowid, {score} AS score {clause} ORDER BY score DESC, a.rowid DESC"
                )
            else:
                ranking = f"SELECT rowid, {score} AS score FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?"
                ranking += " ORDER BY score DESC, rowid DESC"
        else:
            ranking = f"SELECT a.rowid AS rowid, 0.0 AS score {clause} ORDER BY a.published DESC, a.id"
        with self._lock:
            count_sql, count_params = compiled.count_sql()
            total = int(self._conn.execute(count_sql, count_params).fetchone()[0])
            ranked = self._conn.execute(f"{ranking} LIMIT ? OFFSET ?", [*params, size, offset]).fetchall()
            docs = {
                row["rowid"]: row["doc"]
                for row in self._by_ids(
                    "SELECT rowid, doc FROM article_docs WHERE rowid IN ({ids})", [r["rowid"] for r in ranked]
                )
            }
        hits = []
        for row in ranked:
            article = _unpack(docs[row["rowid"]])
            hits.append(Hit(article, float(row["score"]), highlight(node, article)))
        return SearchResult(total=total, hits=hits, page=page, size=size)

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
        clause, params = self._compile(query, filters, now).from_clause()
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
                self._conn.execute(
                    f"INSERT INTO temp.facet_hits SELECT a.rowid, a.published, a.id {clause}", params
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
