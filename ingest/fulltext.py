"""Optional full text: fetch each new article's page and extract its text with trafilatura.

Off by default, on per feed (`fulltext: true`), for feeds that carry only a summary. Polite:
one request at a time per host, a timeout and a size cap per page, the SSRF guard on every hop,
a total budget per poll. Extraction runs in the worker processes under a deadline. A failure
never holds an article back: it is produced with its summary and `fulltext_status` says why.
"""

from __future__ import annotations

import asyncio

from ingest.fetch import Fetcher, address_policy
from ingest.html import clean_text
from ingest.outcomes import PollStatus
from ingest.workers import DeadlineExceededError, WorkerError, WorkerPool
from wirewatch.schema import MAX_CONTENT_CHARS, Article
from wirewatch.settings import Settings

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
EXTRACT_DEADLINE = 10.0
MAX_STATUS = 200


def extract_text(page: bytes, url: str) -> str:
    """The main text of an article page ('' when none is found); runs in a worker process."""
    import trafilatura

    text = trafilatura.extract(
        page, url=url, include_comments=False, include_tables=False, favor_precision=True
    )
    return clean_text(text or "")


class FullText:
    """Completes articles with the text of their pages."""

    def __init__(self, settings: Settings, workers: WorkerPool) -> None:
        self.workers = workers
        self.budget = settings.fulltext_timeout * 4  # all pages of one poll
        self.fetcher = Fetcher(
            policy=address_policy(settings),
            timeout=settings.fulltext_timeout,
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            max_bytes=settings.fulltext_max_bytes,
            user_agent=settings.user_agent,
            concurrency=settings.poll_concurrency,
            per_host=1,
            accept=PAGE_ACCEPT,
        )

    async def aclose(self) -> None:
        await self.fetcher.aclose()

    async def complete(self, articles: list[Article]) -> list[Article]:
        """The articles, each with its page's text or a failure reason in `fulltext_status`."""
        tasks = [asyncio.create_task(self._one(a)) for a in articles]
        if not tasks:
            return []
        done, late = await asyncio.wait(tasks, timeout=self.budget)
        for task in late:
            task.cancel()
        out = []
        for article, task in zip(articles, tasks, strict=True):
            if task in done and not task.cancelled() and task.exception() is None:
                out.append(task.result())
            else:
                out.append(self._failed(article, f"not fetched within the poll's {self.budget:g}s budget"))
        return out

    @staticmethod
    def _failed(article: Article, reason: str) -> Article:
        return article.model_copy(update={"fulltext_status": f"failed: {reason}"[:MAX_STATUS]})

    async def _one(self, article: Article) -> Article:
        if not article.url:
            return article.model_copy(update={"fulltext_status": "skipped: no link"})
        result = await self.fetcher.fetch(article.url)
        if result.status is not PollStatus.OK:
            return self._failed(article, f"{result.status}: {result.error}")
        kind = (result.content_type or "text/html").split(";")[0].strip().lower()
        if kind not in {"text/html", "application/xhtml+xml"}:
            return self._failed(article, f"not an HTML page ({kind})")
        try:
            text = await self.workers.call(EXTRACT_DEADLINE, extract_text, result.body, article.url)
        except DeadlineExceededError as exc:
            return self._failed(article, f"extraction {exc}")
        except WorkerError as exc:
            return self._failed(article, f"extraction failed: {exc.kind}")
        if len(text) <= len(article.content or article.summary):
            return self._failed(article, "no article text longer than the summary found")
        content = text if len(text) <= MAX_CONTENT_CHARS else text[: MAX_CONTENT_CHARS - 1] + "…"
        return article.model_copy(update={"content": content, "fulltext_status": "ok"})
