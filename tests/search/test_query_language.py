"""The query language without any index: analysis, parsing to the AST, errors with positions,
and the compilers' output for the constructs whose exactness matters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import (
    MAX_WORD_CHARS,
    analyse,
    exact_terms,
    nfkc,
    stem_terms,
    token_spans,
    topic_keys,
    word_forms,
)
from search.highlight import highlight, snippet
from search.query import QueryError, parse
from search.query.ast import ALL_TEXT, And, DateRange, Keyword, Near, Not, Or, Phrase
from search.query.elasticsearch_dsl import MATCH_NONE, ElasticsearchCompiler
from search.query.explain import explain, tree
from search.query.fts5 import NO_GRAMS, CommonGrams, Fts5Compiler
from search.query.matcher import FieldIndex, matches, near_in_field
from tests.search.corpus import ARTICLES, id_of

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "exact", "stems"),
    [
        ("Air-Defense", ["air", "defense"], ["air", "defens"]),
        ("Russia's Russia’s", ["russia", "russia"], ["russia", "russia"]),
        ("Café ZÜRICH", ["cafe", "zurich"], ["cafe", "zurich"]),
        ("ﬁnancial ＮＡＴＯ", ["financial", "nato"], ["financi", "nato"]),
        ("Київ Йошкар-Ола", ["киів", "иошкар", "ола"], ["киів", "иошкар", "ола"]),
        ("U.S. F-16 1,000", ["u", "s", "f", "16", "1", "000"], ["u", "s", "f", "16", "1", "000"]),
        ("missiles attacked cities", ["missiles", "attacked", "cities"], ["missil", "attack", "citi"]),
        ("snake_case & <tags>", ["snake", "case", "tags"], ["snake", "case", "tag"]),
    ],
)
def test_analysis(text: str, exact: list[str], stems: list[str]) -> None:
    assert exact_terms(text) == exact
    assert stem_terms(text) == stems


def test_token_spans_point_at_each_tokens_word() -> None:
    assert word_forms("Kyiv's air-defense, don't") == (
        ["kyiv", "air", "defense", "don t"],
        ["kyiv", "air", "defens", "don t"],
    )
    assert token_spans("Kyiv's air-defense, don't") == [(0, 6), (7, 10), (11, 18), (20, 25), (20, 25)]
    assert token_spans("ﬁne") == [(0, 0)]  # NFKC changed the length: no spans
    assert token_spans("don't attack, ' x") == [(0, 5), (0, 5), (6, 12), (16, 17)]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="aZsS' _-.9\n", max_size=80),  # ASCII: the fast path
        st.text(alphabet="xs' ", min_size=95, max_size=120),  # long words in it
        st.text(max_size=40),  # anything
    )
)
def test_the_fast_path_analyses_like_word_by_word(text: str) -> None:
    exact, stems = analyse(text)
    word_exact, word_stems = word_forms(nfkc(text))
    assert exact == " ".join(e for e in word_exact if e)
    assert stems == " ".join(s for s in word_stems if s)


def test_huge_words_are_cut_so_every_index_accepts_them() -> None:
    assert exact_terms("x" * 5000) == ["x" * MAX_WORD_CHARS]
    assert exact_terms("é" * 5000 + " x's") == ["e" * MAX_WORD_CHARS, "x"]
    assert exact_terms("- " * 100) == []  # long, and no word at all


def test_topic_keys_include_ancestors() -> None:
    assert topic_keys(["Conflict/Air-Defense", "economy"]) == {"conflict", "conflict/air-defense", "economy"}


# -- parsing ---------------------------------------------------------------------------------

P = Phrase


@pytest.mark.parametrize(
    ("query", "ast"),
    [
        ("missiles", P(("missil",))),
        ("Missiles attack", And((P(("missil",)), P(("attack",))))),
        ("a AND b OR c", Or((And((P(("a",)), P(("b",)))), P(("c",))))),
        ("a OR b c", Or((P(("a",)), And((P(("b",)), P(("c",))))))),
        ("a (b OR c)", And((P(("a",)), Or((P(("b",)), P(("c",))))))),
        ("-a", Not(P(("a",)))),
        ("NOT NOT a", Not(Not(P(("a",))))),
        ("a and b", And((P(("a",)), P(("and",)), P(("b",))))),
        ("+a", P(("a",))),
        ('"air defense"', P(("air", "defens"))),
        ("air-defense", P(("air", "defens"))),
        ('="Air Defenses"', P(("air", "defenses"), exact=True)),
        ("=Missiles", P(("missiles",), exact=True)),
        ("defen*", P(("defen",), exact=True, prefix=True)),
        ('"air def*"', P(("air", "def"), exact=True, prefix=True)),
        ('"air def"*', P(("air", "def"), exact=True, prefix=True)),
        ("a NEAR b", Near((P(("a",)), P(("b",))), 10)),
        ("a NEAR/3 b NEAR/3 c", Near((P(("a",)), P(("b",)), P(("c",))), 3)),
        ('"air defense"~4', Near((P(("air",)), P(("defens",))), 4)),
        ('"air air"~4', P(("air",))),
        ('"air defense" NEAR/1 systems', Near((P(("air", "defens")), P(("system",))), 1)),
        ("title:patriot", P(("patriot",), ("title",))),
        ("Title:Patriot", P(("patriot",), ("title",))),
        ("body:(a -b)", And((P(("a",), ("body",)), Not(P(("b",), ("body",)))))),
        ("title:(a NEAR/2 b)", Near((P(("a",), ("title",)), P(("b",), ("title",))), 2)),
        ("text:a", P(("a",), ALL_TEXT)),
        ('entity:"Volodymyr Zelensky"', Keyword("entity", "volodymyr zelensky")),
        ("source:ZÜRCHER", Keyword("source", "zurcher")),
        ("topic:Conflict/Air-Defense", Keyword("topic", "conflict/air-defense")),
        ("lang:EN", Keyword("lang", "en")),
        ("10:30", P(("10", "30"))),
        ("published:>now-24h", DateRange("published", ">", relative_seconds=86_400)),
        ("published:<=now", DateRange("published", "<=", relative_seconds=0)),
        (
            "published:2026-11-24",
            And(
                (
                    DateRange("published", ">=", value=datetime(2026, 11, 24, tzinfo=UTC)),
                    DateRange("published", "<", value=datetime(2026, 11, 25, tzinfo=UTC)),
                )
            ),
        ),
        ("published:>2026-11-24", DateRange("published", ">=", value=datetime(2026, 11, 25, tzinfo=UTC))),
        ("published:<=2026-11-24", DateRange("published", "<", value=datetime(2026, 11, 25, tzinfo=UTC))),
        (
            "published:<2026-11-24T08:00Z",
            DateRange("published", "<", value=datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ),
        (
            "published:2026-11-24T10:00+02:00..",
            DateRange("published", ">=", value=datetime(2026, 11, 24, 8, tzinfo=UTC)),
        ),
    ],
)
def test_parse(query: str, ast: object) -> None:
    assert parse(query) == ast


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "empty query", 0),
        ("   ", "empty query", 0),
        ('missile "air defense', 'unbalanced quote: no closing "', 8),
        ("(a OR b", "unbalanced '(': no closing ')'", 0),
        ("a OR b)", "unbalanced ')': no matching '('", 6),
        ("()", "empty parentheses", 0),
        ("a OR", "expected a term after OR", 2),
        ("a AND OR b", "expected a term after AND", 2),
        ("NOT", "expected a term after NOT", 0),
        ("a NEAR", "expected a term after NEAR", 2),
        ("NEAR a", "'NEAR' cannot start a term", 0),
        ("colour:red", "unknown field 'colour'", 0),
        ("a title:", "field 'title:' needs a value right after the colon", 2),
        ("title: a", "field 'title:' needs a value right after the colon", 0),
        ("title:-a", "put the minus before the field", 6),
        ("source:(a OR b)", "field 'source:' cannot take '('", 7),
        ("published:yesterday", "'yesterday' is not a date", 10),
        ("published:now-24h", "a relative date needs a comparison", 10),
        ("published:>2026-01-01..2026-02-01", "use either a comparison or a range", 10),
        ("published:..", "a date range needs at least one end", 10),
        ("published:>now-3y", "'now-3y' is not a date", 10),
        ("a*b", "'*' is only allowed at the end of a word", 0),
        ("d*", "a prefix needs at least 2 letters or digits", 0),
        ("-- !!", "'-' has no letters or digits to search for", 1),
        ("'!!'", "''!!'' has no letters or digits to search for", 0),
        ('""', "empty phrase", 0),
        ('"a b"~', "expected a number of words after ~", 5),
        ('"a b"*~2', "cannot be both a prefix (*) and a proximity (~)", 0),
        ('"a b"c', "put a space after a closing quote", 5),
        ("a NEAR/2 b NEAR/3 c", "a chain of NEAR must use one distance", 11),
        ("a NEAR/x b", "NEAR/ needs a number of words", 2),
        ("a NEAR/9999 b", "NEAR distance above 1000", 2),
        ("a NEAR (b OR c)", "NEAR joins words or phrases", 2),
        ("a NEAR bb*", "NEAR joins words or phrases", 2),
        ("a NEAR title:b", "NEAR operands must search the same field", 2),
        ('a NEAR "b c" NEAR d', "NEAR with more than two operands joins single words only", 2),
        ("source:reu*", "'source:' matches whole values: no '*' or '~'", 7),
        ("title:(source:x)", "a text field group may only contain words and phrases", 0),
        ("title:(body:x)", "a field group cannot contain another text field", 0),
        ("a " * 600, "query too complex (more than 512 clauses)", 1024),
        ("a" * 5000, "query too long (more than 4000 characters)", 4000),
    ],
)
def test_bad_queries_say_what_and_where(query: str, message: str, position: int) -> None:
    with pytest.raises(QueryError) as error:
        parse(query)
    assert message in error.value.message
    assert error.value.position == position
    assert str(error.value).endswith(f"(at character {position + 1})")


def test_relative_dates_can_be_fixed_at_parse_time() -> None:
    fixed = parse("a OR NOT published:>now-1h", NOW)
    assert fixed == Or((P(("a",)), Not(DateRange("published", ">", value=NOW - timedelta(hours=1)))))


def test_dates_print_the_way_they_were_typed() -> None:
    assert str(parse("published:>now-24h published:<now-90m")) == "(published:>now-1d AND published:<now-90m)"


# -- matcher: FTS5 NEAR, overlaps included -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phrases", "distance", "expected"),
    [
        ("a x b", [("a",), ("b",)], 1, True),
        ("a x b", [("a",), ("b",)], 0, False),
        ("b x a", [("a",), ("b",)], 1, True),
        ("a b c", [("a", "b"), ("b", "c")], 0, True),  # overlapping phrases
        # the earliest start is not the earliest end: FTS5 measures from the earliest end
        ("d c d a x x b", [("d",), ("c", "d", "a"), ("b",)], 2, False),
        ("d c d a x x b", [("d",), ("c", "d", "a"), ("b",)], 3, True),
        ("a", [("a",), ("a",)], 0, True),  # one instance serves both
    ],
)
def test_near_in_field(text: str, phrases: list[tuple[str, ...]], distance: int, expected: bool) -> None:
    index = FieldIndex.of(text)
    assert near_in_field([P(p) for p in phrases], distance, index) is expected


def test_matches_one_article() -> None:
    article = next(a for a in ARTICLES if a.id == id_of("patriot-air-defense-topic"))
    assert matches(parse('patriot "air defense" entity:germany topic:conflict'), article, NOW)
    assert not matches(parse("patriot -germany"), article, NOW)


# -- compilers ---------------------------------------------------------------------------------


def test_elasticsearch_near_slop_follows_fts5() -> None:
    es = ElasticsearchCompiler(NOW)
    two = es.query(parse('"air defense" NEAR/3 systems'))["bool"]["should"][0]["span_near"]
    assert (two["slop"], two["in_order"]) == (3, False)
    three = es.query(parse("a NEAR/3 b NEAR/3 c"))["bool"]["should"][0]["span_near"]
    assert three["slop"] == 2
    assert es.query(parse("a NEAR/0 b NEAR/0 c NEAR/0 d")) == {
        "bool": {"should": [MATCH_NONE, MATCH_NONE], "minimum_should_match": 1}
    }


def test_elasticsearch_prefixes_never_truncate() -> None:
    es = ElasticsearchCompiler(NOW)
    single = es.query(parse("title:defen*"))
    assert single == {"prefix": {"tokens.title_exact": {"value": "defen", "boost": 4.0}}}
    phrase = es.query(parse('title:"air def*"'))["span_near"]
    assert phrase["clauses"][-1] == {
        "span_multi": {"match": {"prefix": {"tokens.title_exact": {"value": "def"}}}}
    }
    assert "match_phrase_prefix" not in str(es.query(parse('"air def*" OR missi*')))


def test_relative_dates_resolve_when_compiled() -> None:
    node = parse("published:>now-24h")
    bound = (NOW - timedelta(hours=24)).isoformat()
    assert ElasticsearchCompiler(NOW).query(node) == {"range": {"published": {"gt": bound}}}
    compiled = Fts5Compiler(NOW).compile(node)
    assert compiled.where == ["a.published > ?"] and compiled.params == [NOW.timestamp() - 86_400]


def test_fts5_puts_text_in_one_match_and_the_rest_in_sql() -> None:
    compiled = Fts5Compiler(NOW).compile(parse('patriot -"air defense" source:reuters'))
    assert compiled.match == '(({title body} : "patriot") NOT {title body} : "air defens")'
    assert compiled.params == ["source", "reuters"]


def test_fts5_writes_stemmed_phrases_with_the_index_common_grams() -> None:
    grams = CommonGrams(frozenset(("the", "of", "is")))
    assert grams.tokens(["minist", "of", "the", "interior"]) == ["minist_of", "of_the", "the_interior"]
    assert grams.tokens(["is", "minist", "at"]) == ["is_minist", "minist", "at"]
    assert grams.tokens(["air", "defens", "of"]) == ["air", "defens_of"]
    assert grams.tokens(["the"]) == ["the"]
    assert grams.tokenizer() == "wirewatch is of the"
    assert NO_GRAMS.tokenizer() == "ascii"

    def match(query: str) -> str | None:
        return Fts5Compiler(NOW, grams).compile(parse(query)).match

    assert match('"air defense of the"') == '({title body} : "air defens_of of_the")'
    # Exact words, prefixes and NEAR keep the words: the exact columns hold no grams, a prefix
    # may end inside one, and NEAR counts words.
    assert match('="of the"') == '({title_exact body_exact} : "of the")'
    assert match('"of the*"') == '({title_exact body_exact} : "of the" *)'
    assert match('"of the" NEAR/2 minister') == '({title body} : NEAR("of the" "minist", 2))'
    assert Fts5Compiler(NOW).compile(parse('"of the"')).match == '({title body} : "of the")'


def test_explain_gives_the_tree_and_both_translations() -> None:
    facts = explain(parse("a OR -title:b"), NOW).as_dict()
    assert facts["ast"] == tree(parse("a OR -title:b"))
    assert facts["ast"].splitlines() == [
        "OR",
        "├─ STEMMED WORD 'a' in title|body",
        "└─ NOT",
        "   └─ STEMMED WORD 'b' in title",
    ]
    assert facts["sqlite"]["sql"].startswith("SELECT a.id FROM articles a WHERE")
    assert facts["elasticsearch"]["query"]["bool"]["should"][1] == {
        "bool": {"must_not": [{"term": {"tokens.title": {"value": "b", "boost": 4.0}}}]}
    }


# -- highlighting ------------------------------------------------------------------------------


def test_highlight_marks_query_words_in_their_original_form() -> None:
    article = next(a for a in ARTICLES if a.id == id_of("russia-possessive"))
    assert highlight(parse("russia -army"), article) == "<mark>Russia’s</mark> generals moved units east."


def test_snippet_picks_the_densest_window_and_escapes_html() -> None:
    text = " ".join(["filler"] * 60) + " <b>missile</b> strike, missiles " + " ".join(["tail"] * 60)
    out = snippet(parse("missile"), text, width=8)
    assert out.startswith("… ") and out.endswith(" …")
    assert "&lt;b&gt;<mark>missile</mark>&lt;/b&gt;" in out and "<mark>missiles</mark>" in out


def test_snippet_marks_prefixes_exact_forms_and_words_of_several_tokens() -> None:
    text = "Officials don't deny that defenders defended Kharkiv; the defence held."
    assert snippet(parse("defen* OR =held"), text) == (
        "Officials don&#x27;t deny that <mark>defenders</mark> <mark>defended</mark> Kharkiv;"
        " the <mark>defence</mark> <mark>held</mark>."
    )
    assert (
        snippet(parse("t"), text)
        == "Officials <mark>don&#x27;t</mark> deny that defenders defended Kharkiv; the defence held."
    )
    assert snippet(parse("absent"), text, width=3) == "Officials don&#x27;t deny …"
    assert snippet(parse("x"), "ﬁne ﬁx") == "ﬁne ﬁx"  # NFKC changes the length: no spans, no marks
