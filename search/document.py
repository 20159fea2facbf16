"""What of an article is searchable, and how: one definition for the matcher and all backends."""

from __future__ import annotations

from search.analysis import fold_keyword, topic_keys
from wirewatch.schema import Article

TEXT_FIELDS = ("title", "body")
KEYWORD_FIELDS = ("source", "entity", "topic", "lang")


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
