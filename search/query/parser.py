"""Parse the query language into an AST (grammar and examples: docs/query-language.md).

query    := or_expr
or_expr  := and_expr ("OR" and_expr)*
and_expr := near_expr (["AND"] near_expr)*           implicit AND between clauses
near_expr:= unary (("NEAR" | "NEAR/n") unary)*
unary    := ("NOT" | "-") unary | primary
primary  := "(" or_expr ")" | field ":" value | ["="] '"' words ['*'] '"' ["*"] ["~" n] | ["="] word ["*"]

Words and phrases are analysed here, once, by search.analysis: the AST holds stemmed (or, for
`=` and prefixes, exact) tokens, so no compiler ever tokenises user input.
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
MAX_NEAR = 1_000
MIN_PREFIX_CHARS = 2

_FIELD = re.compile(r"([A-Za-z]+):")
_NEAR = re.compile(r"^NEAR(?:/(\d{1,4}))?$")
_SLOP = re.compile(r"~(\d{1,4})?")
_RELATIVE = re.compile(r"^now(?:-(\d{1,7}[smhdw]))?$")
_COMPARISON = re.compile(r"^(>=|<=|>|<)?(.+)$")
_OPERATORS = {"AND", "OR", "NOT"}
# Tokens after which no clause can start: a binary operator or a NOT needs one.
_NO_OPERAND = {"EOF", "RP", "OR", "AND", "NEAR"}


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
    slop: int | None = None  # QUOTED "..."~n, NEAR/n
    exact: bool = False  # QUOTED ="..."
    prefix: bool = False  # QUOTED "... wor*" or "... wor"*


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
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace():
            toks.append(_Tok("NEG", "-", i))
            i += 1
        elif ch == '"' or (ch == "=" and text[i + 1 : i + 2] == '"'):
            tok, i = _lex_quoted(text, i)
            toks.append(tok)
        elif field := _FIELD.match(text, i):
            name = field.group(1)
            if name.lower() not in KNOWN_FIELDS:
                raise QueryError(
                    f"unknown field '{name}' (fields: {', '.join(KNOWN_FIELDS)});"
                    " put the words in quotes to search for them",
                    i,
                )
            toks.append(_Tok("FIELD", name.lower(), i))
            i = field.end()
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()"':
                j += 1
            word = text[i:j]
            if word in _OPERATORS:
                toks.append(_Tok(word, word, i))
            elif near := _NEAR.match(word):
                distance = int(near.group(1) or DEFAULT_NEAR)
                if distance > MAX_NEAR:
                    raise QueryError(f"NEAR distance above {MAX_NEAR}", i)
                toks.append(_Tok("NEAR", word, i, slop=distance))
            elif word.startswith("NEAR/"):
                raise QueryError("NEAR/ needs a number of words, e.g. NEAR/5", i)
            else:
                toks.append(_Tok("WORD", word, i))
            i = j
    toks.append(_Tok("EOF", "", n))
    return toks


def _lex_quoted(text: str, i: int) -> tuple[_Tok, int]:
    """A quoted phrase at `i` (optionally `=`-prefixed, `*`- and `~n`-suffixed) and the next index."""
    exact = text[i] == "="
    start = i + (2 if exact else 1)
    end = text.find('"', start)
    if end < 0:
        raise QueryError('unbalanced quote: no closing "', start - 1)
    body = text[start:end]
    j = end + 1
    prefix = body.rstrip().endswith("*")
    if text[j : j + 1] == "*":
        prefix, j = True, j + 1
    slop = None
    if text[j : j + 1] == "~":
        digits = _SLOP.match(text, j)
        if digits is None or digits.group(1) is None:
            raise QueryError("expected a number of words after ~", j)
        slop = int(digits.group(1))
        if slop > MAX_NEAR:
            raise QueryError(f"proximity above {MAX_NEAR} words", j)
        j = digits.end()
    if prefix and slop is not None:
        raise QueryError("a phrase cannot be both a prefix (*) and a proximity (~)", i)
    if j < len(text) and not text[j].isspace() and text[j] not in "()":
        raise QueryError("put a space after a closing quote", j)
    return _Tok("QUOTED", body.rstrip().removesuffix("*"), i, slop, exact, prefix), j


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _lex(text)
        self.i = 0
        self.clauses = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect_operand(self, op: _Tok) -> None:
        if self.peek().kind in _NO_OPERAND:
            raise QueryError(f"expected a term after {op.text}", op.pos)

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
            self.expect_operand(self.take())
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_expr(self) -> Node:
        children = [self.near_expr()]
        while self.peek().kind not in {"OR", "RP", "EOF"}:
            if self.peek().kind == "AND":
                self.expect_operand(self.take())
            children.append(self.near_expr())
        return children[0] if len(children) == 1 else And(tuple(children))

    def near_expr(self) -> Node:
        first = self.unary()
        if self.peek().kind != "NEAR":
            return first
        start = self.peek()
        phrases = [_near_operand(first, start.pos)]
        while self.peek().kind == "NEAR":
            op = self.take()
            if op.slop != start.slop:
                raise QueryError("a chain of NEAR must use one distance", op.pos)
            self.expect_operand(op)
            phrases.append(_near_operand(self.unary(), op.pos))
        assert start.slop is not None
        return _near(tuple(phrases), start.slop, start.pos)

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind in {"NOT", "NEG"}:
            self.take()
            self.expect_operand(tok)
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
        if value.kind in {"EOF", "RP", "OR", "AND", "NOT", "NEAR"} or (
            value.kind != "EOF" and value.pos > field_tok.pos + len(field) + 1
        ):
            raise QueryError(f"field '{field}:' needs a value right after the colon", field_tok.pos)
        if value.kind == "NEG":
            raise QueryError(f"put the minus before the field: -{field}:...", value.pos)
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
                return _keyword(field, value)
        else:
            self.take()
            if value.kind == "WORD":
                return _date(field, value)
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
    return _text(words, fields, exact, prefix, tok.pos)


def _phrase(tok: _Tok, fields: tuple[str, ...]) -> Node:
    if "*" in tok.text:
        raise QueryError("'*' is only allowed at the end of a phrase", tok.pos)
    words = tuple(exact_terms(tok.text))
    if not words:
        raise QueryError("empty phrase: no letters or digits between the quotes", tok.pos)
    if tok.slop is None or len(words) == 1:
        return _text(words, fields, tok.exact, tok.prefix, tok.pos)
    parts = tuple(Phrase((w,) if tok.exact else (stem(w),), fields, exact=tok.exact) for w in words)
    return _near(parts, tok.slop, tok.pos)


def _text(words: tuple[str, ...], fields: tuple[str, ...], exact: bool, prefix: bool, pos: int) -> Phrase:
    """A text node; prefixes match exact forms (a stem of a word fragment means nothing)."""
    if prefix and len(words[-1]) < MIN_PREFIX_CHARS:
        raise QueryError(f"a prefix needs at least {MIN_PREFIX_CHARS} letters or digits", pos)
    if not (exact or prefix):
        words = tuple(stem(w) for w in words)
    return Phrase(words, fields, exact=exact or prefix, prefix=prefix)


def _keyword(field: str, tok: _Tok) -> Keyword:
    if tok.slop is not None or tok.prefix or tok.text.endswith("*"):
        raise QueryError(f"'{field}:' matches whole values: no '*' or '~'", tok.pos)
    folded = fold_keyword(tok.text.removeprefix("="))
    if not folded:
        raise QueryError(f"field '{field}:' needs a value", tok.pos)
    return Keyword(field, folded)


def _near_operand(node: Node, pos: int) -> Phrase:
    if not isinstance(node, Phrase) or node.prefix:
        raise QueryError("NEAR joins words or phrases (no prefixes, groups, NOT or keyword fields)", pos)
    return node


def _near(phrases: tuple[Phrase, ...], distance: int, pos: int) -> Phrase | Near:
    """A NEAR group. A repeated operand adds no constraint (one instance may serve both), so it
    is dropped; three or more operands must be single words, the case every backend can
    evaluate exactly (see docs/query-language.md)."""
    if len({p.fields for p in phrases}) > 1 or len({p.exact for p in phrases}) > 1:
        raise QueryError("NEAR operands must search the same field, all exact or none", pos)
    unique = tuple(dict.fromkeys(phrases))
    if len(unique) == 1:
        return unique[0]
    if len(unique) > 2 and any(len(p.words) > 1 for p in unique):
        raise QueryError("NEAR with more than two operands joins single words only", pos)
    return Near(unique, distance)


def _scoped(node: Node, scope: tuple[str, ...], pos: int) -> Node:
    """Restrict every text node of a group to `scope` (e.g. title:(a OR b))."""
    if isinstance(node, Phrase):
        if node.fields not in (ALL_TEXT, scope):
            raise QueryError("a field group cannot contain another text field", pos)
        return Phrase(node.words, scope, node.exact, node.prefix)
    if isinstance(node, Near):
        return Near(tuple(_scoped(p, scope, pos) for p in node.phrases), node.distance)  # type: ignore[misc]
    if isinstance(node, And):
        return And(tuple(_scoped(c, scope, pos) for c in node.children))
    if isinstance(node, Or):
        return Or(tuple(_scoped(c, scope, pos) for c in node.children))
    if isinstance(node, Not):
        return Not(_scoped(node.child, scope, pos))
    raise QueryError("a text field group may only contain words and phrases", pos)


def _date(field: str, tok: _Tok) -> Node:
    match = _COMPARISON.match(tok.text)
    assert match is not None
    op, value = match.group(1), match.group(2)
    if ".." in value:
        if op is not None:
            raise QueryError("use either a comparison or a range a..b, not both", tok.pos)
        low, _, high = value.partition("..")
        parts = [_bound(field, o, v, tok.pos) for o, v in ((">=", low), ("<=", high)) if v]
        if not parts:
            raise QueryError("a date range needs at least one end, e.g. 2026-11-01..", tok.pos)
        return parts[0] if len(parts) == 1 else And(tuple(parts))
    if op is not None:
        return _bound(field, op, value, tok.pos)
    if _RELATIVE.match(value):
        raise QueryError("a relative date needs a comparison, e.g. published:>now-24h", tok.pos)
    # A bare date is that whole day (UTC); a bare time is that second.
    start = _instant(value, tok.pos)
    end = start + (timedelta(days=1) if _is_day(value) else timedelta(seconds=1))
    return And((DateRange(field, ">=", value=start), DateRange(field, "<", value=end)))


def _bound(field: str, op: str, value: str, pos: int) -> DateRange:
    """One comparison; a bare day counts whole: `>2026-11-01` starts on the 2nd, `<=` ends with it."""
    if rel := _RELATIVE.match(value):
        seconds = int(parse_duration(rel.group(1)).total_seconds()) if rel.group(1) else 0
        return DateRange(field, op, relative_seconds=seconds)
    when = _instant(value, pos)
    if _is_day(value) and op in {">", "<="}:
        return DateRange(field, ">=" if op == ">" else "<", value=when + timedelta(days=1))
    return DateRange(field, op, value=when)


def _is_day(value: str) -> bool:
    return len(value) == len("2026-11-25")


def _instant(value: str, pos: int) -> datetime:
    """A date or date-time, as UTC (a time without zone is UTC)."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"'{value}' is not a date (use 2026-11-25, 2026-11-25T08:00Z or now-24h)", pos
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def parse(text: str, now: datetime | None = None) -> Node:
    """Parse a query string; raises QueryError (with position) on any problem.

    Relative dates (`now-24h`) stay relative in the AST, resolved by each compiler when it
    runs, so a saved alert keeps meaning "the last 24 hours"; pass `now` to fix them at that
    instant instead.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long (more than {MAX_QUERY_CHARS} characters)", MAX_QUERY_CHARS)
    node = _Parser(text).parse()
    return node if now is None else _fixed(node, now)


def _fixed(node: Node, now: datetime) -> Node:
    """The tree with every relative date resolved against `now`."""
    if isinstance(node, DateRange) and node.value is None:
        return DateRange(node.field, node.op, value=node.resolve(now))
    if isinstance(node, And | Or):
        return type(node)(tuple(_fixed(c, now) for c in node.children))
    if isinstance(node, Not):
        return Not(_fixed(node.child, now))
    return node
