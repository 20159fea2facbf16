"""Parse the query language into an AST (grammar and examples: docs/query-language.md).

query   := or_expr
or_expr := and_expr ("OR" and_expr)*
and_expr:= near_expr (["AND"] near_expr)*          implicit AND between terms
near    := unary (("NEAR" | "NEAR/n") unary)*
unary   := ("NOT" | "-") unary | primary
primary := "(" or_expr ")" | field ":" value | phrase ["~" n] | term
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from search.analysis import exact_terms, fold_keyword, stem
from search.query.ast import ALL_TEXT, And, DateRange, Keyword, Near, Node, Not, Or, Phrase
from wirewatch.durations import parse_duration

TEXT_FIELD_SCOPES = {"title": ("title",), "body": ("body",), "text": ALL_TEXT}
KEYWORD_FIELDS = ("source", "entity", "topic", "lang")
DATE_FIELDS = ("published",)
KNOWN_FIELDS = (*TEXT_FIELD_SCOPES, *KEYWORD_FIELDS, *DATE_FIELDS)
MAX_QUERY_CHARS = 4_000
MAX_CLAUSES = 512
DEFAULT_NEAR = 10
MIN_PREFIX_CHARS = 2

_RELATIVE = re.compile(r"^now(?:-(\d{1,7}[smhdw]))?$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)?(.+)$")


class QueryError(ValueError):
    """A query that cannot be parsed; `position` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return f"{self.message} (at character {self.position + 1})"


@dataclass(frozen=True)
class _Tok:
    kind: str  # LP RP WORD QUOTED FIELD AND OR NOT NEG NEAR EOF
    text: str
    pos: int
    slop: int | None = None  # QUOTED "..."~n
    exact: bool = False  # QUOTED ="..."


_OPERATORS = {"AND", "OR", "NOT"}
_NEAR = re.compile(r"^NEAR(?:/(\d{1,4}))?$")


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            toks.append(_Tok("LP" if ch == "(" else "RP", ch, i))
            i += 1
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and _at_term_start(toks):
            toks.append(_Tok("NEG", "-", i))
            i += 1
        elif ch == '"' or (ch == "=" and text[i + 1 : i + 2] == '"'):
            exact = ch == "="
            start = i + (2 if exact else 1)
            end = text.find('"', start)
            if end < 0:
                raise QueryError('unbalanced quote: no closing "', start - 1)
            slop = None
            j = end + 1
            if text[j : j + 1] == "~":
                digits = re.match(r"\d{1,4}", text[j + 1 :])
                if not digits:
                    raise QueryError("expected a number of words after ~", j)
                slop = int(digits.group())
                j += 1 + len(digits.group())
            toks.append(_Tok("QUOTED", text[start:end], i, slop=slop, exact=exact))
            i = j
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            word = text[i:j]
            field, sep, rest = word.partition(":")
            if sep and field and not field.startswith("="):
                if field.lower() not in KNOWN_FIELDS:
                    raise QueryError(
                        f"unknown field '{field}' (fields: {', '.join(KNOWN_FIELDS)});"
                        " put the words in quotes to search for them",
                        i,
                    )
                toks.append(_Tok("FIELD", field.lower(), i))
                if rest:
                    toks.append(_Tok("WORD", rest, i + len(field) + 1))
            elif word in _OPERATORS:
                toks.append(_Tok(word, word, i))
            elif near := _NEAR.match(word):
                toks.append(_Tok("NEAR", near.group(1) or str(DEFAULT_NEAR), i))
            else:
                toks.append(_Tok("WORD", word, i))
            i = j
    toks.append(_Tok("EOF", "", n))
    return toks


def _at_term_start(toks: list[_Tok]) -> bool:
    return not toks or toks[-1].kind in {
        "LP",
        "AND",
        "OR",
        "NOT",
        "NEG",
        "NEAR",
        "WORD",
        "QUOTED",
        "RP",
    }


class _Parser:
    def __init__(self, text: str, now: datetime | None) -> None:
        self.text = text
        self.toks = _lex(text)
        self.i = 0
        self.clauses = 0
        self.now = now

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        if self.peek().kind == "EOF":
            raise QueryError("empty query", 0)
        node = self.or_expr()
        tok = self.peek()
        if tok.kind == "RP":
            raise QueryError("unbalanced ')': no matching '('", tok.pos)
        if tok.kind != "EOF":  # pragma: no cover - every other token starts a clause
            raise QueryError(f"unexpected '{tok.text}'", tok.pos)
        return node

    def or_expr(self) -> Node:
        children = [self.and_expr()]
        while self.peek().kind == "OR":
            op = self.take()
            if self.peek().kind in {"EOF", "RP", "OR", "AND"}:
                raise QueryError("expected a term after OR", op.pos)
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.near_expr()]
        while self.peek().kind not in {"OR", "RP", "EOF"}:
            if self.peek().kind == "AND":
                op = self.take()
                if self.peek().kind in {"EOF", "RP", "OR", "AND"}:
                    raise QueryError("expected a term after AND", op.pos)
            children.append(self.near_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def near_expr(self) -> Node:
        first = self.unary()
        if self.peek().kind != "NEAR":
            return first
        phrases = [self._near_operand(first, self.peek().pos)]
        distance = int(self.peek().text)
        while self.peek().kind == "NEAR":
            op = self.take()
            if int(op.text) != distance:
                raise QueryError("a chain of NEAR must use one distance", op.pos)
            if self.peek().kind in {"EOF", "RP", "OR", "AND"}:
                raise QueryError("expected a term after NEAR", op.pos)
            phrases.append(self._near_operand(self.unary(), op.pos))
        return _near(tuple(phrases), distance, self.toks[self.i - 1].pos)

    def _near_operand(self, node: Node, pos: int) -> Phrase:
        if not isinstance(node, Phrase) or node.prefix:
            raise QueryError("NEAR joins words or phrases (no prefixes, groups or fields)", pos)
        return node

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind in {"NOT", "NEG"}:
            self.take()
            if self.peek().kind in {"EOF", "RP", "OR", "AND"}:
                raise QueryError(f"expected a term after {tok.text}", tok.pos)
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(f"query too complex (more than {MAX_CLAUSES} clauses)", tok.pos)
        if tok.kind == "LP":
            if self.peek().kind == "RP":
                raise QueryError("empty parentheses", tok.pos)
            if self.peek().kind == "EOF":
                raise QueryError("unbalanced '(': no closing ')'", tok.pos)
            node = self.or_expr()
            if self.peek().kind != "RP":
                raise QueryError("unbalanced '(': no closing ')'", tok.pos)
            self.take()
            return node
        if tok.kind == "FIELD":
            return self.fielded(tok)
        if tok.kind == "QUOTED":
            return _phrase(tok, ALL_TEXT)
        if tok.kind == "WORD":
            return _term(tok, ALL_TEXT)
        if tok.kind == "EOF":
            raise QueryError("query ends where a term was expected", tok.pos)
        raise QueryError(f"'{tok.text}' cannot start a term", tok.pos)

    def fielded(self, field_tok: _Tok) -> Node:
        field = field_tok.text
        value = self.peek()
        if value.kind in {"EOF", "RP", "OR", "AND", "NOT", "NEAR"}:
            raise QueryError(f"field '{field}:' needs a value", field_tok.pos)
        if field in TEXT_FIELD_SCOPES:
            scope = TEXT_FIELD_SCOPES[field]
            if value.kind == "LP":
                return _scoped(self.primary(), scope, field_tok.pos)
            self.take()
            if value.kind == "QUOTED":
                return _phrase(value, scope)
            if value.kind == "WORD":
                return _term(value, scope)
        elif field in KEYWORD_FIELDS:
            self.take()
            if value.kind in {"WORD", "QUOTED"}:
                folded = fold_keyword(value.text)
                if not folded:
                    raise QueryError(f"field '{field}:' needs a value", field_tok.pos)
                return Keyword(field, folded)
        else:
            self.take()
            if value.kind == "WORD":
                return _date(field, value, self.now)
        raise QueryError(f"field '{field}:' cannot take '{value.text}'", value.pos)


def _term(tok: _Tok, fields: tuple[str, ...]) -> Phrase:
    word = tok.text.lstrip("+")
    exact = word.startswith("=")
    prefix = word.endswith("*")
    core = word.removeprefix("=").rstrip("*")
    if "*" in core:
        raise QueryError("'*' is only allowed at the end of a word", tok.pos)
    words = tuple(exact_terms(core))
    if not words:
        raise QueryError(f"'{tok.text}' has no letters or digits to search for", tok.pos)
    if prefix and len(words[-1]) < MIN_PREFIX_CHARS:
        raise QueryError(f"a prefix needs at least {MIN_PREFIX_CHARS} characters", tok.pos)
    if not (exact or prefix):
        words = tuple(stem(w) for w in words)
    return Phrase(words, fields, exact=exact or prefix, prefix=prefix)


def _phrase(tok: _Tok, fields: tuple[str, ...]) -> Node:
    words = tuple(exact_terms(tok.text))
    if not words:
        raise QueryError("empty phrase", tok.pos)
    if not tok.exact:
        words = tuple(stem(w) for w in words)
    if tok.slop is None or len(words) == 1:
        return Phrase(words, fields, exact=tok.exact)
    parts = tuple(Phrase((w,), fields, exact=tok.exact) for w in words)
    return _near(parts, tok.slop, tok.pos)


def _near(phrases: tuple[Phrase, ...], distance: int, pos: int) -> Near:
    if len({p.fields for p in phrases}) > 1 or len({p.exact for p in phrases}) > 1:
        raise QueryError("NEAR operands must search the same field, all exact or none", pos)
    return Near(phrases, distance)


def _scoped(node: Node, scope: tuple[str, ...], pos: int) -> Node:
    """Restrict every text node of a group to `scope` (e.g. title:(a OR b))."""
    if isinstance(node, Phrase):
        return Phrase(node.words, scope, node.exact, node.prefix)
    if isinstance(node, Near):
        return Near(tuple(Phrase(p.words, scope, p.exact, p.prefix) for p in node.phrases), node.distance)
    if isinstance(node, And):
        return And(tuple(_scoped(c, scope, pos) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_scoped(c, scope, pos) for c in node.children))
    if isinstance(node, Not):
        return Not(_scoped(node.child, scope, pos))
    raise QueryError("a text field group may only contain words and phrases", pos)


def _date(field: str, tok: _Tok, now: datetime | None) -> Node:
    match = _COMPARISON.match(tok.text)
    assert match is not None
    op, value = match.group(1), match.group(2)
    if rel := _RELATIVE.match(value):
        seconds = int(parse_duration(rel.group(1)).total_seconds()) if rel.group(1) else 0
        if op is None:
            raise QueryError("a relative date needs a comparison, e.g. published:>now-24h", tok.pos)
        return DateRange(field, op, relative_seconds=seconds)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"'{value}' is not a date (use 2026-11-25, 2026-11-25T08:00Z or now-24h)", tok.pos
        ) from None
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    if op is not None:
        return DateRange(field, op, value=when)
    # A bare date means that whole day (UTC); a bare time means that instant onward.
    day_only = len(value) == 10
    end = when + timedelta(days=1) if day_only else when + timedelta(seconds=1)
    return And((DateRange(field, ">=", value=when), DateRange(field, "<", value=end)))


def parse(text: str, now: datetime | None = None) -> Node:
    """Parse a query string; raises QueryError (with position) on any problem."""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long (more than {MAX_QUERY_CHARS} characters)", MAX_QUERY_CHARS)
    return _Parser(text, now).parse()
