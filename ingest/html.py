"""HTML to plain text for feed titles and bodies.

Articles are stored and indexed as plain text only, so no markup from a feed (scripts, event
handlers, javascript: links) ever reaches the index, an alert or a page.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_SKIP = {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math", "head"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def clean_text(text: str) -> str:
    """Collapse runs of spaces, keep paragraph breaks, drop control characters."""
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _strip(value: str) -> str:
    if "<" not in value:
        return html.unescape(value)
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    return "".join(parser.parts)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (or of text with entities); markup and scripts removed.

    Markup escaped once more than needed (`&lt;script&gt;`, common in feeds) is markup too: the
    text is stripped again while it still holds tags, so no tag survives into an article.
    """
    text = _strip(value)
    for _ in range(2):
        if not _TAG.search(text):
            break
        text = _strip(text)
    return clean_text(_TAG.sub("", text))
