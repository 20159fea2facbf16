"""API tokens: created once and shown once, stored as SHA-256 hashes in api.db.

A token reads `ww_<id>_<secret>`: the id finds the row, the secret (32 random bytes) is
compared by hash in constant time. A write token can also read. Revoked tokens stay listed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from wirewatch.errors import ConflictError, NotFoundError, UsageError
from wirewatch.sqlite import connect, migrate, sqlite3, transaction

READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)
PREFIX = "ww_"
MAX_NAME_CHARS = 100
TOUCH_EVERY = 60.0  # seconds between `last_used` updates of one token

_SCHEMA = [
    """
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        scope TEXT NOT NULL,
        hash TEXT NOT NULL,
        created REAL NOT NULL,
        last_used REAL,
        revoked REAL
    )
    """,
]


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Token:
    """A token's public facts (never its secret)."""

    id: str
    name: str
    scope: str
    created: float
    last_used: float | None
    revoked: float | None

    def allows(self, scope: str) -> bool:
        """Whether the token may do what `scope` needs (write implies read)."""
        return self.revoked is None and (self.scope == WRITE or scope == READ)


class TokenStore:
    """Tokens in api.db; safe across threads and processes (the CLI creates, the API checks)."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        migrate(self._conn, _SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    @staticmethod
    def _token(row: sqlite3.Row) -> Token:
        return Token(row["id"], row["name"], row["scope"], row["created"], row["last_used"], row["revoked"])

    def create(self, name: str, scope: str) -> tuple[Token, str]:
        """A new token and its secret string (shown to the user once, never stored)."""
        name = name.strip()
        if not name or len(name) > MAX_NAME_CHARS:
            raise UsageError(f"a token name must be 1 to {MAX_NAME_CHARS} characters")
        if scope not in SCOPES:
            raise UsageError(f"scope must be {READ} or {WRITE}, not {scope!r}")
        token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        now = time.time()
        with self._lock, transaction(self._conn) as conn:
            if conn.execute("SELECT 1 FROM tokens WHERE name = ?", (name,)).fetchone():
                raise ConflictError(f"a token named {name!r} already exists (revoke it or pick another name)")
            conn.execute(
                "INSERT INTO tokens (id, name, scope, hash, created) VALUES (?, ?, ?, ?, ?)",
                (token_id, name, scope, _hash(secret), now),
            )
        return Token(token_id, name, scope, now, None, None), f"{PREFIX}{token_id}_{secret}"

    def list(self) -> list[Token]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM tokens ORDER BY created").fetchall()
        return [self._token(r) for r in rows]

    def revoke(self, name: str) -> Token:
        """Revoke a token by name (effective for the next request)."""
        with self._lock:
            cur = self._conn.execute(
                "UPDATE tokens SET revoked = ? WHERE name = ? AND revoked IS NULL", (time.time(), name)
            )
            row = self._conn.execute("SELECT * FROM tokens WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no token named {name!r}")
        if not cur.rowcount:
            raise UsageError(f"token {name!r} is already revoked")
        return self._token(row)

    def check(self, presented: str) -> Token | None:
        """The token a presented string proves, or None (unknown, malformed or wrong secret)."""
        token_id, _, secret = presented.removeprefix(PREFIX).partition("_")
        if not presented.startswith(PREFIX) or not token_id or not secret or len(presented) > 200:
            return None
        with self._lock:
            row = self._conn.execute("SELECT * FROM tokens WHERE id = ?", (token_id,)).fetchone()
        if row is None or not hmac.compare_digest(row["hash"], _hash(secret)):
            return None
        token = self._token(row)
        now = time.time()
        if token.revoked is None and (token.last_used or 0) < now - TOUCH_EVERY:
            with self._lock:
                self._conn.execute("UPDATE tokens SET last_used = ? WHERE id = ?", (now, token_id))
        return token
