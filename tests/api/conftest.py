"""A real `wirewatch api` process per module, on a free port, over a temp data dir whose SQLite
index holds a few articles written through the real backend."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from search.backends.sqlite import SqliteBackend
from tests.conftest import WIREWATCH, clean_env, cli, free_port, wait_for
from wirewatch.schema import Article, Entity, article_id, utcnow

STORIES = [
    (
        "Germany pledges a third Patriot battery",
        "Berlin will send another Patriot system to Ukraine.",
        "Wire",
    ),
    ("Kyiv asks allies for more air defense", "Ukraine needs more air defense before winter.", "Wire"),
    (
        "Oil prices steady as OPEC meets",
        "Brent crude was little changed ahead of an OPEC meeting.",
        "Markets",
    ),
    ("Patriots win in overtime", "The New England Patriots beat the Jets 27-24 on Sunday.", "Sports Desk"),
    ("Floods displace thousands in Bangladesh", "Monsoon floods forced thousands from their homes.", "Wire"),
]


def seed_articles(data_dir: Path) -> list[Article]:
    """Index the stories through the real SQLite backend, one per hour back from now."""
    now = utcnow()
    articles = []
    for n, (title, text, source) in enumerate(STORIES):
        url = f"https://news.example/2026/story-{n}"
        published = now - timedelta(hours=n + 1)
        articles.append(
            Article(
                id=article_id(url, "feed-1"),
                url=url,
                feed_id="feed-1",
                source=source,
                title=title,
                summary=text,
                content=text,
                published=published,
                fetched=published + timedelta(minutes=2),
                language="en",
                entities=[Entity(name="Ukraine", type="GPE")] if "Ukraine" in text else [],
                topics=["conflict/air-defense"] if "Patriot " in text or "air defense" in text else [],
                cluster_id="story-air" if n in (0, 1) else None,
                cluster_size=2 if n in (0, 1) else None,
            )
        )
    backend = SqliteBackend(data_dir / "search.db")
    backend.index(articles)
    backend.close()
    return articles


class ApiServer:
    """`wirewatch api` in a subprocess; `url` is its base URL."""

    def __init__(self, tmp: Path, **settings: str) -> None:
        self.data_dir = tmp / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = clean_env(WIREWATCH_DATA_DIR=str(self.data_dir), **settings)
        self.log = tmp / "api.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ApiServer:
        self.proc = subprocess.Popen(
            [*WIREWATCH, "api", "--port", str(self.port)],
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self._alive, 30, "the API to answer /healthz", every=0.1)
        return self

    def _alive(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            pytest.fail(f"the API exited with {self.proc.returncode}:\n{self.log.read_text()}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def token(self, name: str, scope: str) -> str:
        """A new token, created with the CLI the way users do."""
        done = cli(self.env, "tokens", "create", name, "--scope", scope)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> float:
        """SIGTERM; returns the seconds it took to exit."""
        assert self.proc is not None
        started = time.monotonic()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return time.monotonic() - started


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API with private networks allowed (feeds from the test feed server), a generous rate
    limit and a 1 s keepalive, over an index of five stories."""
    server = ApiServer(
        tmp_path_factory.mktemp("api"),
        WIREWATCH_ALLOW_PRIVATE_NETWORKS="1",
        WIREWATCH_API_RATE_LIMIT="1000",
        WIREWATCH_API_RATE_BURST="1000",
        WIREWATCH_API_KEEPALIVE="1",
        WIREWATCH_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",  # no broker: status says so quickly
    )
    seed_articles(server.data_dir)
    server.start()
    yield server
    stopped = server.stop()
    assert stopped < 8, f"the API took {stopped:.1f}s to stop"
