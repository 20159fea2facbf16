"""Highlighted snippets computed from the query AST and the article text.

Done here rather than by each backend so that the matcher (alert payloads), SQLite and
Elasticsearch mark exactly the same words.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from itertools import accumulate
from operator import or_, sub

from search.analysis import nfkc, word_forms, word_spans
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

    def _hit(self, exact: str, stems: str) -> bool:
        """Whether any token of a word giving several tokens (or of any word, for prefixes) is wanted."""
        if not self.stems.isdisjoint(stems.split()) or not self.exacts.isdisjoint(exact.split()):
            return True
        return any(part.startswith(p) for part in exact.split() for p in self.prefixes)

    def hits(self, exact: list[str], stems: list[str]) -> list[bool]:
        """Per word, whether it is wanted: set lookups for one-token words, _hit for the rest."""
        out = list(map(self.stems.__contains__, stems))
        if self.exacts:
            out = list(map(or_, out, map(self.exacts.__contains__, exact)))
        rest = range(len(exact)) if self.prefixes else [i for i, e in enumerate(exact) if " " in e]
        for i in rest:
            out[i] = out[i] or self._hit(exact[i], stems[i])
        return out


def _densest(hits: list[bool], width: int) -> int:
    """The first word of the earliest window of `width` words with the most hits."""
    prefix = [0, *accumulate(hits)]
    sums = list(map(sub, prefix[width:], prefix)) or [prefix[-1]]
    return sums.index(max(sums))


def _render(
    text: str, spans: list[tuple[int, int]], hits: list[bool], cut_before: bool, cut_after: bool
) -> str:
    """HTML-escaped text of the words at `spans` with hit words wrapped in <mark>; a window
    reaching either end of the text keeps the punctuation there."""
    start = spans[0][0] if cut_before else len(text) - len(text.lstrip())
    end = spans[-1][1] if cut_after else len(text)
    out: list[str] = ["… " if cut_before else ""]
    cursor = start
    for (lo, hi), hit in zip(spans, hits, strict=True):
        if not hit:
            continue
        out.append(html.escape(text[cursor:lo]))
        out.append(MARK_OPEN + html.escape(text[lo:hi]) + MARK_CLOSE)
        cursor = hi
    out.append(html.escape(text[cursor:end].rstrip()))
    out.append(" …" if cut_after else "")
    return "".join(out)


def snippet(node: Node | None, text: str, field: str = "body", width: int = SNIPPET_WORDS) -> str:
    """The window of `width` words with the most query hits, hits marked."""
    normalised = nfkc(text)
    exact, stems = word_forms(normalised)
    if not exact or len(normalised) != len(text):  # no words, or no spans into the text
        return html.escape(text[:300])
    hits = _Wanted.of(node, field).hits(exact, stems)
    lo = _densest(hits, width)
    hi = min(len(hits), lo + width)
    return _render(text, word_spans(normalised, lo, hi), hits[lo:hi], lo > 0, hi < len(hits))


def highlight(node: Node | None, article: Article) -> str:
    """Best snippet for a hit: from the body when it has a marked word, else the title."""
    fields = text_fields(article)
    body = snippet(node, fields["body"], "body") if fields["body"] else ""
    if MARK_OPEN in body or not fields["title"]:
        return body
    title = snippet(node, fields["title"], "title")
    return title if MARK_OPEN in title else body or title
