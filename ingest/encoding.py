"""Feed bytes to UTF-8: respect the declared charset, detect when it lies, never mojibake.

Rules, in order (docs/ingest.md):
1. A byte-order mark decides (UTF-8, UTF-16, UTF-32).
2. Bytes that are valid UTF-8 are UTF-8, whatever is declared: other encodings almost never
   produce valid multi-byte UTF-8 sequences by chance, while servers often declare a default.
3. Otherwise the declared charset (HTTP Content-Type, else the XML declaration) is used when it
   decodes and the text reads as language (charset-normalizer's mess ratio stays low);
   single-byte encodings such as CP1251 and KOI8-R decode any bytes, so decoding alone proves
   nothing.
4. Otherwise the encoding charset-normalizer finds most plausible; if it finds none, the
   declared one with replacement characters, else UTF-8 with replacement characters.
The result is re-encoded as UTF-8 with the XML declaration saying so, for every parser alike.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# A declared encoding whose decoding is messier than this is taken to be a lie.
MESS_LIMIT = 0.1
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
_XML_DECL_ENCODING = re.compile(r"^(\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]{1,40})")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass(frozen=True)
class Decoded:
    """A document as UTF-8 bytes, which encoding it was read as, and a note when it lied."""

    body: bytes
    encoding: str
    note: str | None = None


def _codec(name: str | None) -> str | None:
    """Python's canonical name for an encoding label, or None if unknown."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def declared_encodings(body: bytes, content_type: str | None) -> tuple[str | None, str | None]:
    """(charset of the Content-Type header, encoding of the XML declaration), raw labels."""
    header = _CHARSET.search(content_type or "")
    decl = _XML_DECL.match(body[:300])
    return (header.group(1) if header else None, decl.group(1).decode("ascii") if decl else None)


def _plausible(body: bytes, encoding: str) -> float | None:
    """Mess ratio of `body` read as `encoding` (0 reads like language), None if it does not decode."""
    match = charset_normalizer.from_bytes(body, cp_isolation=[encoding], threshold=1.0).best()
    return None if match is None else float(match.chaos)


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a feed document following the module rules; never raises."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return _utf8(body[len(bom) :].decode(encoding, "replace"), encoding)
    header, in_xml = declared_encodings(body, content_type)
    labels = [label for label in (header, in_xml) if label]
    declared = next((c for c in map(_codec, labels) if c), None)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        if declared not in {None, "utf-8", "ascii"} and not body.isascii():
            note = f"declared {labels[0]} but the bytes are UTF-8"
        return _utf8(text, "utf-8", note)
    mess = _plausible(body, declared) if declared and declared != "utf-8" else None
    if declared and mess is not None and mess <= MESS_LIMIT:
        return _utf8(body.decode(declared, "replace"), declared)
    best = charset_normalizer.from_bytes(body).best()
    if best is not None and (mess is None or best.chaos < mess):
        note = f"declared {labels[0]} but the text reads as {best.encoding}" if labels else None
        return _utf8(str(best), best.encoding, note)
    fallback = declared or "utf-8"
    return _utf8(body.decode(fallback, "replace"), fallback, f"undecodable bytes replaced ({fallback})")


def _utf8(text: str, encoding: str, note: str | None = None) -> Decoded:
    text = text.lstrip("\ufeff")
    text = _XML_DECL_ENCODING.sub(r"\g<1>utf-8", text, count=1)
    return Decoded(text.encode("utf-8"), encoding, note)
