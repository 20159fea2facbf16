"""The text enrichment reads: title and body in one string, cleaned, and the part NER reads.

Offsets of entities (`first_offset`) are positions in this string.
"""

from __future__ import annotations

import re

from search.document import text_fields
from wirewatch.schema import Article

# Control characters (other than tab and newline), lone surrogates and non-characters carry no
# words; they are replaced one-for-one by spaces so that offsets stay valid.
_JUNK = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_BREAK = re.compile(r"\n\s*\n|(?<=[.!?])\s+")


def article_text(article: Article) -> str:
    """Title, a blank line, then the body (summary and content without repeats), cleaned."""
    fields = text_fields(article)
    return _JUNK.sub(" ", f"{fields['title'].strip()}\n\n{fields['body'].strip()}")


def head(text: str, max_chars: int) -> str:
    """The first `max_chars` of text, cut back to the last paragraph or sentence end when possible."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    ends = [m.start() for m in _BREAK.finditer(cut)]
    if ends and ends[-1] > max_chars // 2:
        return cut[: ends[-1]]
    return cut
