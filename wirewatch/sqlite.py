"""Opening SQLite files the one way every wirewatch store needs: WAL, busy timeout, migrations.

Every wirewatch module takes its SQLite driver from here (`from wirewatch.sqlite import sqlite3`):
pysqlite3-binary where its wheel exists, a newer SQLite than Python's that can load the search
index's ranking function, else the standard library's. One driver for every store, because two
SQLite libraries in one process must never open the same file (each would drop the other's locks).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from wirewatch.chunks import chunks
from wirewatch.errors import UnreachableError

try:
    from pysqlite3 import dbapi2 as sqlite3
except ImportError:  # no wheel for this platform
    import sqlite3

BUSY_TIMEOUT_MS = 10_000
IN_CHUNK = 500  # ids per `IN (...)` list, well under SQLite's limit on bound parameters


def connect(path: Path, *, readonly: bool = False, page_size: int | None = None) -> sqlite3.Connection:
    """A connection usable from any thread (callers serialise use), in WAL mode.

    WAL lets the CLI, the API and the stream read while one writer commits. `page_size` applies
    to a file made by this call only: SQLite fixes it once WAL is on.
    """
    if readonly:
        if not path.exists():
            raise UnreachableError(f"no database at {path}: has the pipeline run yet?")
        conn = sqlite3.connect(
            f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        if page_size is not None:
            conn.execute(f"PRAGMA page_size={int(page_size)}")  # a no-op on an existing file
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.row_factory = sqlite3.Row
    return conn


def migrate(conn: sqlite3.Connection, steps: list[str]) -> None:
    """Apply the schema steps not yet applied (tracked by PRAGMA user_version), atomically."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(steps):
        raise UnreachableError(
            f"database schema version {version} is newer than this wirewatch ({len(steps)})"
        )
    for number, step in enumerate(steps[version:], start=version + 1):
        with transaction(conn):
            # Another process may have migrated while we waited for the write lock.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue
            for statement in step.split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")


def rows_in(conn: sqlite3.Connection, sql: str, ids: Sequence[object]) -> list[sqlite3.Row]:
    """Rows of `sql` (with one `{ids}` placeholder for an IN list) for any number of ids, in chunks."""
    rows: list[sqlite3.Row] = []
    for chunk in chunks(ids, IN_CHUNK):
        rows.extend(conn.execute(sql.format(ids=",".join("?" * len(chunk))), chunk))
    return rows


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (connections are in autocommit mode)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
