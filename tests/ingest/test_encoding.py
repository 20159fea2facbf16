"""Charset handling: declared charsets respected, lies detected, no mojibake (Cyrillic and Latin)."""

from __future__ import annotations

import codecs

import pytest

from ingest.encoding import decode
from ingest.parse import PARSERS, parse_feed

RUSSIAN = "Москва заявила о новых санкциях. Министр иностранных дел сообщил, что переговоры продолжатся."
UKRAINIAN = "Україна отримала нову партію озброєння від союзників, повідомив міністр оборони."
GERMAN = "Die Bundesregierung hat weitere Lieferungen beschlossen. Größere Mengen würden geliefert, hieß es."
POLISH = "Rząd zapowiedział zmiany w ustawie o obronie. Żołnierze otrzymają nowe wyposażenie."


def rss(text: str, declared: str | None) -> str:
    decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return (
        f'{decl}<rss version="2.0"><channel><title>{text[:30]}</title><item><title>{text[:50]}</title>'
        f"<link>https://news.example/1</link><description>{text}</description></item></channel></rss>"
    )


CASES = [
    # (text, real encoding, XML declaration, Content-Type header)
    (RUSSIAN, "utf-8", "utf-8", None),
    (RUSSIAN, "cp1251", "windows-1251", None),
    (RUSSIAN, "koi8_r", "koi8-r", None),
    (RUSSIAN, "iso8859_5", "iso-8859-5", None),
    (UKRAINIAN, "koi8_u", "koi8-u", None),
    (GERMAN, "latin_1", "iso-8859-1", None),
    (POLISH, "iso8859_2", "iso-8859-2", None),
    # lies: from here on
    (RUSSIAN, "cp1251", "utf-8", None),
    (RUSSIAN, "koi8_r", "windows-1251", None),
    (RUSSIAN, "cp1251", "koi8-r", None),
    (RUSSIAN, "cp1251", None, "application/rss+xml; charset=iso-8859-1"),
    (RUSSIAN, "utf-8", "koi8-r", None),
    (UKRAINIAN, "cp1251", "iso-8859-1", "text/xml; charset=ISO-8859-1"),
    (GERMAN, "latin_1", "utf-8", None),
]

FIRST_LIE = 7


@pytest.mark.parametrize(("text", "real", "declared", "header"), CASES)
def test_no_mojibake(text: str, real: str, declared: str | None, header: str | None) -> None:
    decoded = decode(rss(text, declared).encode(real), header)
    body = decoded.body.decode("utf-8")
    assert text in body
    assert 'encoding="utf-8"' in body or declared is None
    lied = CASES.index((text, real, declared, header)) >= FIRST_LIE
    assert (decoded.note is not None) == lied, decoded.note


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize(("text", "real", "declared", "header"), CASES[FIRST_LIE:])
def test_parsers_get_the_right_text(
    parser: str, text: str, real: str, declared: str | None, header: str | None
) -> None:
    parsed = parse_feed(rss(text, declared).encode(real), "https://news.example/feed", header, parser)  # type: ignore[arg-type]
    assert parsed.entries[0].summary == text
    assert parsed.title == text[:30].strip()
    assert parsed.warning and "declared" in parsed.warning


def test_byte_order_marks() -> None:
    doc = rss(RUSSIAN, "utf-16")
    assert RUSSIAN in decode(codecs.BOM_UTF16_LE + doc.encode("utf-16-le")).body.decode()
    assert RUSSIAN in decode(codecs.BOM_UTF8 + doc.encode("utf-8")).body.decode()


def test_undecodable_bytes_never_raise() -> None:
    junk = bytes(range(256)) * 20
    decoded = decode(b'<?xml version="1.0" encoding="bogus-charset"?><rss>' + junk)
    assert decoded.body.decode("utf-8")  # valid UTF-8 whatever came in
