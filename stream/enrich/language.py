"""Language identification (py3langid) of an article's text."""

from __future__ import annotations

import py3langid

SAMPLE_CHARS = 2_000
MIN_LETTERS = 3


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language, or None when there are too few letters to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    lang, _ = py3langid.classify(sample)
    return str(lang)
