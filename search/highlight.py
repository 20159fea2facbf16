"""Highlighted snippets computed from the query AST and the article text.

Done here rather than by each backend so that the matcher (alert payloads), SQLite and
Elasticsearch mark exactly the same words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from search.analysis import Word, words
from search.document import text_fields
from search.query.ast import Node, positive_text
from wirewatch.schema import Article

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_WORDS = 36


@dataclass(frozen=True)
class _Wanted:
    stems: frozenset[str]
    exacts: frozenset[str]
    prefixes: tuple[str, ...]

    @classmethod
    def of(cls, node: Node | None, field: str) -> _Wanted:
        stems: set[str] = set()
        exacts: set[str] = set()
        prefixes: list[str] = []
        for phrase in positive_text(node) if node is not None else []:
            if field not in phrase.fields:
                continue
            *head, last = phrase.words
            (exacts if phrase.exact else stems).update(head)
            if phrase.prefix:
                prefixes.append(last)
            else:
                (exacts if phrase.exact else stems).add(last)
        return cls(frozenset(stems), frozenset(exacts), tuple(prefixes))

    def hit(self, word: Word) -> bool:
        """Whether any token of the word is wanted."""
        if word.stems in self.stems or word.exact in self.exacts:
            return True
        if " " in word.exact:
            return not self.stems.isdisjoint(word.stems.split()) or not self.exacts.isdisjoint(
                word.exact.split()
            )
        return bool(self.prefixes) and any(
            part.startswith(p) for part in word.exact.split() for p in self.prefixes
        )


def _render(text: str, toks: list[Word], hits: list[bool], lo: int, hi: int) -> str:
    """HTML-escaped text between words lo..hi-1 with hit words wrapped in <mark>; a window
    reaching either end of the text keeps the punctuation there."""
    start = toks[lo].start if lo else len(text) - len(text.lstrip())
    end = len(text) if hi == len(toks) else toks[hi - 1].end
    out: list[str] = ["… " if lo > 0 else ""]
    cursor = start
    for tok, hit in zip(toks[lo:hi], hits[lo:hi], strict=True):
        if not hit:
            continue
        out.append(html.escape(text[cursor : tok.start]))
        out.append(MARK_OPEN + html.escape(text[tok.start : tok.end]) + MARK_CLOSE)
        cursor = tok.end
    out.append(html.escape(text[cursor:end].rstrip()))
    out.append(" …" if hi < len(toks) else "")
    return "".join(out)


def snippet(node: Node | None, text: str, field: str = "body", width: int = SNIPPET_WORDS) -> str:
    """The window of `width` words with the most query hits, hits marked."""
    toks = [w for w in words(text) if w.end > w.start]
    if not toks:
        return html.escape(text[:300])
    wanted = _Wanted.of(node, field)
    hits = [wanted.hit(t) for t in toks]
    best_lo, best = 0, -1
    running = sum(hits[:width])
    for lo in range(max(1, len(toks) - width + 1)):
        if lo:
            running += (hits[lo + width - 1] if lo + width - 1 < len(toks) else 0) - hits[lo - 1]
        if running > best:
            best_lo, best = lo, running
    return _render(text, toks, hits, best_lo, min(len(toks), best_lo + width))


def highlight(node: Node | None, article: Article) -> str:
    """Best snippet for a hit: from the body when it has a marked word, else the title."""
    fields = text_fields(article)
    body = snippet(node, fields["body"], "body") if fields["body"] else ""
    if MARK_OPEN in body or not fields["title"]:
        return body
    title = snippet(node, fields["title"], "title")
    return title if MARK_OPEN in title else body or title
