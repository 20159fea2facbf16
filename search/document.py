"""What of an article is searchable, and how: one definition for the matcher and all backends."""

from __future__ import annotations

import hashlib

from search.analysis import analyse, fold_keyword, topic_keys
from wirewatch.schema import Article

TEXT_FIELDS = ("title", "body")
KEYWORD_FIELDS = ("source", "entity", "topic", "lang")
# The pre-analysed token streams every backend indexes, split on spaces only.
TOKEN_FIELDS = ("title", "body", "title_exact", "body_exact")
# Relevance: a hit in the title counts this many times a hit in the body (every ranking backend).
FIELD_WEIGHTS = {"title": 4.0, "body": 1.0}


def text_fields(article: Article) -> dict[str, str]:
    """The full-text fields: the title, and the body (summary then content).

    Feeds often repeat the summary as the content's lead; then the content alone is the body.
    """
    summary, content = article.summary.strip(), article.content.strip()
    if not content or content == summary:
        body = summary
    elif not summary or content.startswith(summary.rstrip(".…").rstrip()):
        body = content
    else:
        body = f"{summary}\n\n{content}"
    return {"title": article.title, "body": body}


def keyword_values(article: Article) -> dict[str, dict[str, str]]:
    """Per keyword field, folded key -> display value (keys give case/accent-free equality)."""
    return {
        "source": {fold_keyword(article.source): article.source},
        "entity": {fold_keyword(e.name): e.name for e in article.entities},
        "topic": {key: key for key in topic_keys(article.topics)},
        "lang": {fold_keyword(article.language): article.language} if article.language else {},
    }


def keyword_fields(article: Article) -> dict[str, set[str]]:
    """The folded keys of each keyword field, for matching."""
    return {field: set(values) for field, values in keyword_values(article).items()}


def token_fields(article: Article) -> dict[str, str]:
    """Space-joined stemmed and exact tokens of title and body (names as in TOKEN_FIELDS)."""
    fields = text_fields(article)
    title_exact, title = analyse(fields["title"])
    body_exact, body = analyse(fields["body"])
    return {"title": title, "body": body, "title_exact": title_exact, "body_exact": body_exact}


def digest(article_json: str) -> str:
    """Fingerprint of an article's JSON: equal digests mean re-indexing would change nothing."""
    return hashlib.sha256(article_json.encode()).hexdigest()[:32]
