"""SQLite FTS5 backend: the embedded default, one database file in the data dir.

The FTS5 table is contentless (the article JSON lives once, in `articles`) and indexes the
analyser's token streams with the `ascii` tokenizer, which splits only on the spaces we put
between tokens. Updating or deleting an article re-analyses its stored text to remove the old
tokens, which is why the analyser version is recorded and checked at open.
"""

from __future__ import annotations

import sqlite3
import threading
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
from search.query.fts5 import BM25_WEIGHTS, FTS_COLUMNS, FTS_TABLE, Fts5Compiler
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
        digest TEXT NOT NULL,
        doc TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles (published);
    CREATE TABLE article_keywords (
        field TEXT NOT NULL,
        key TEXT NOT NULL,
        article INTEGER NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (field, key, article)
    ) WITHOUT ROWID;
    CREATE INDEX article_keywords_article ON article_keywords (article);
    CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(
        {", ".join(FTS_COLUMNS)}, content='', tokenize='ascii'
    )
    """,
]


def _fts_values(article: Article) -> tuple[str, ...]:
    """The FTS columns' values, in FTS_COLUMNS order."""
    tokens = token_fields(article)
    return tuple(tokens[column] for column in FTS_COLUMNS)


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

    # -- writing -------------------------------------------------------------------------

    def index(self, articles: Sequence[Article]) -> IndexResult:
        written = unchanged = 0
        with self._lock, transaction(self._conn) as conn:
            for article in articles:
                doc = article.model_dump_json()
                fingerprint = digest(doc)
                row = conn.execute(
                    "SELECT rowid, digest, doc FROM articles WHERE id = ?", (article.id,)
                ).fetchone()
                if row is not None and row["digest"] == fingerprint:
                    unchanged += 1
                    continue
                if row is not None:
                    self._remove(row["rowid"], Article.model_validate_json(row["doc"]))
                    conn.execute(
                        "UPDATE articles SET published = ?, digest = ?, doc = ? WHERE rowid = ?",
                        (article.published.timestamp(), fingerprint, doc, row["rowid"]),
                    )
                    rowid = row["rowid"]
                else:
                    rowid = conn.execute(
                        "INSERT INTO articles (id, published, digest, doc) VALUES (?, ?, ?, ?)",
                        (article.id, article.published.timestamp(), fingerprint, doc),
                    ).lastrowid
                conn.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?)",
                    (rowid, *_fts_values(article)),
                )
                conn.executemany(
                    "INSERT OR IGNORE INTO article_keywords (field, key, article, value) VALUES (?, ?, ?, ?)",
                    [
                        (field, key, rowid, value)
                        for field, values in keyword_values(article).items()
                        for key, value in values.items()
                    ],
                )
                written += 1
        return IndexResult(written=written, unchanged=unchanged)

    def _remove(self, rowid: int, old: Article) -> None:
        """Remove an article's tokens and keywords (contentless FTS5 needs the old values)."""
        self._conn.execute(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, {', '.join(FTS_COLUMNS)})"
            " VALUES ('delete', ?, ?, ?, ?, ?)",
            (rowid, *_fts_values(old)),
        )
        self._conn.execute("DELETE FROM article_keywords WHERE article = ?", (rowid,))

    def delete_older_than(self, age: timedelta, now: datetime | None = None) -> int:
        cutoff = ((now or datetime.now(UTC)) - age).timestamp()
        with self._lock, transaction(self._conn) as conn:
            rows = conn.execute("SELECT rowid, doc FROM articles WHERE published < ?", (cutoff,)).fetchall()
            for row in rows:
                self._remove(row["rowid"], Article.model_validate_json(row["doc"]))
            conn.execute("DELETE FROM articles WHERE published < ?", (cutoff,))
        return len(rows)

    # -- reading -------------------------------------------------------------------------

    def get(self, article_id: str) -> Article | None:
        with self._lock:
            row = self._conn.execute("SELECT doc FROM articles WHERE id = ?", (article_id,)).fetchone()
        return Article.model_validate_json(row["doc"]) if row else None

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        with self._lock:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(
                    r[0] for r in self._conn.execute(f"SELECT id FROM articles WHERE id IN ({marks})", chunk)
                )
        return found

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM articles").fetchone()[0])

    def health(self) -> Health:
        try:
            n = self.count()
        except sqlite3.Error as exc:
            return Health(False, f"sqlite {self.path}: {exc}")
        return Health(True, f"sqlite {self.path}", articles=n)

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
        if compiled.match is not None:
            weights = ", ".join(str(w) for w in BM25_WEIGHTS)
            score = f"-bm25({FTS_TABLE}, {weights})"
        else:
            score = "0.0"
        order = "a.published DESC, a.id"
        if sort == "relevance":
            order = f"score DESC, {order}"
        offset = (max(page, 1) - 1) * size
        with self._lock:
            total = int(self._conn.execute(f"SELECT count(*) {clause}", params).fetchone()[0])
            rows = self._conn.execute(
                f"SELECT a.doc, {score} AS score {clause} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, size, offset],
            ).fetchall()
        hits = []
        for row in rows:
            article = Article.model_validate_json(row["doc"])
            hits.append(Hit(article, float(row["score"]), highlight(node, article)))
        return SearchResult(total=total, hits=hits, page=page, size=size)

    def matching_ids(
        self, query: str | Node | None, filters: SearchFilters | None = None, now: datetime | None = None
    ) -> set[str]:
        compiled = Fts5Compiler(now).compile(combine(query, filters, now))
        clause, params = compiled.from_clause()
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
        compiled = Fts5Compiler(now).compile(combine(query, filters, now))
        clause, params = compiled.from_clause()
        matching = f"SELECT a.rowid {clause}"
        out: dict[str, list[tuple[str, int]]] = {}
        with self._lock:
            self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS facet_hits (article INTEGER PRIMARY KEY)")
            try:
                self._conn.execute(f"INSERT INTO temp.facet_hits {matching}", params)
                for field in fields:
                    rows = self._conn.execute(
                        "SELECT k.key, count(*) AS n FROM article_keywords k"
                        " JOIN temp.facet_hits h ON h.article = k.article"
                        " WHERE k.field = ? GROUP BY k.key ORDER BY n DESC, k.key LIMIT ?",
                        [field, size],
                    ).fetchall()
                    out[field] = [(self._display(field, key), int(n)) for key, n in rows]
            finally:
                self._conn.execute("DELETE FROM temp.facet_hits")
        return out

    def _display(self, field: str, key: str) -> str:
        """How the newest matching article spells a facet value."""
        row = self._conn.execute(
            "SELECT k.value FROM article_keywords k JOIN temp.facet_hits h ON h.article = k.article"
            " JOIN articles a ON a.rowid = k.article WHERE k.field = ? AND k.key = ?"
            " ORDER BY a.published DESC, a.id LIMIT 1",
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
        compiled = Fts5Compiler(now).compile(combine(query, filters, now))
        clause, params = compiled.from_clause()
        with self._lock:
            rows = self._conn.execute(
                f"SELECT CAST(a.published / ? AS INTEGER) AS bucket, count(*) {clause}"
                " GROUP BY bucket ORDER BY bucket",
                [step, *params],
            ).fetchall()
        return [(datetime.fromtimestamp(r[0] * step, UTC), int(r[1])) for r in rows]
