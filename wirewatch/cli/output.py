"""Small helpers for human and JSON output of the CLI."""

from __future__ import annotations

import html
import json
import re
import sys
import time
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape

console = Console(highlight=False, soft_wrap=True)
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def ago(when: datetime | float | None, now: float | None = None) -> str:
    """'3m ago', '2h ago', 'never'."""
    if when is None:
        return "never"
    ts = when.timestamp() if isinstance(when, datetime) else when
    delta = (now if now is not None else time.time()) - ts
    if delta < 0:
        return "in the future"
    for unit, seconds in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if delta >= seconds:
            return f"{int(delta // seconds)}{unit} ago"
    return f"{int(delta)}s ago"


def marked(snippet: str) -> str:
    """Rich markup for a highlighted snippet (our <mark> tags, HTML-escaped text)."""
    parts = _MARK.split(snippet)
    return "".join(
        f"[bold yellow]{escape(html.unescape(p))}[/]" if i % 2 else escape(html.unescape(p))
        for i, p in enumerate(parts)
    )


def json_line(data: Any) -> None:
    """One JSON document per line on stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
