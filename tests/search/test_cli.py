"""`wirewatch search` and `wirewatch query explain`, run as a user runs them (subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.sqlite import SqliteBackend
from tests.conftest import clean_env, cli, free_port
from tests.search.conftest import drop_es, es_settings
from tests.search.corpus import ARTICLES, NOW, id_of
from wirewatch.schema import utcnow

# The corpus moved to the real "now", so relative filters (--since) behave as for fresh news.
SHIFT = utcnow() - NOW
FRESH = [
    a.model_copy(update={"published": a.published + SHIFT, "fetched": a.fetched + SHIFT}) for a in ARTICLES
]


@pytest.fixture(scope="module")
def sqlite_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli-data")
    backend = SqliteBackend(data / "search.db")
    backend.index(FRESH)
    backend.close()
    return clean_env(WIREWATCH_DATA_DIR=str(data))


def lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_search_prints_readable_hits(sqlite_env: dict[str, str]) -> None:
    done = cli(sqlite_env, "search", '"air defense" Kyiv', "--limit", "3")
    assert done.returncode == 0, done.stderr
    assert "Kyiv asks for more air defense" in done.stdout
    assert "Wire Service · " in done.stdout and " ago · https://corpus.example/" in done.stdout
    assert "matching articles" in done.stdout


def test_search_json_lines(sqlite_env: dict[str, str]) -> None:
    done = cli(sqlite_env, "search", "patriot", "--json", "--limit", "50", "--sort", "newest")
    assert done.returncode == 0, done.stderr
    hits = lines(done.stdout)
    assert {h["id"] for h in hits} >= {id_of("title-only-patriot"), id_of("body-only-patriot")}
    assert set(hits[0]) == {"id", "title", "url", "source", "published", "score", "highlight"}
    assert [h["published"] for h in hits] == sorted((h["published"] for h in hits), reverse=True)
    assert any("<mark>Patriot</mark>" in h["highlight"] for h in hits)


def test_search_filters(sqlite_env: dict[str, str]) -> None:
    done = cli(
        sqlite_env, "search", "port", "--since", "24h", "--source", "wire service", "--json", "--limit", "100"
    )
    assert done.returncode == 0, done.stderr
    found = {h["id"] for h in lines(done.stdout)}
    assert id_of("date-1h") in found and id_of("date-25h") not in found
    done = cli(
        sqlite_env, "search", "president", "--entity", "Volodymyr Zelensky", "--topic", "politics", "--json"
    )
    assert {h["id"] for h in lines(done.stdout)} == {id_of("zelensky-en"), id_of("zelensky-lower-entity")}
    done = cli(sqlite_env, "search", "defense", "--lang", "fr", "--json")
    assert {h["id"] for h in lines(done.stdout)} == {id_of("french")}


def test_search_facets(sqlite_env: dict[str, str]) -> None:
    done = cli(sqlite_env, "search", "president", "--facets")
    assert done.returncode == 0, done.stderr
    assert "source: kyiv independent (2)" in done.stdout
    done = cli(sqlite_env, "search", "president", "--facets", "--json")
    facets = lines(done.stdout)[0]
    assert facets["topic"] == [
        {"value": "politics", "count": 2},
        {"value": "conflict", "count": 1},
        {"value": "conflict/frontline", "count": 1},
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", '"air defense'), 'invalid query: unbalanced quote: no closing " (at character 1)'),
        (("search", "colour:red"), "invalid query: unknown field 'colour'"),
        (("search", "(missile OR"), "invalid query: expected a term after OR"),
        (("search", "   "), "invalid query: empty query"),
        (("search", "missile", "--sort", "oldest"), "--sort must be relevance or newest"),
        (("search", "missile", "--since", "yesterday"), "--since: 'yesterday' is not a duration"),
        (("query", "explain", "a NEAR/x b"), "invalid query: NEAR/ needs a number of words"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    sqlite_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    done = cli(sqlite_env, *args)
    assert done.returncode == 2
    assert done.stderr.startswith("wirewatch: error: ") and message in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_search_without_an_index_says_so(tmp_path: Path) -> None:
    done = cli(clean_env(WIREWATCH_DATA_DIR=str(tmp_path)), "search", "missile")
    assert done.returncode == 1
    assert "has the pipeline run yet" in done.stderr and done.stderr.count("\n") == 1


def test_query_explain_shows_the_ast_and_both_translations(tmp_path: Path) -> None:
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path))
    done = cli(env, "query", "explain", 'Patriot OR "air defense"~3 -source:Reuters')
    assert done.returncode == 0, done.stderr
    assert "NEAR/3 in title|body" in done.stdout
    assert "articles_fts MATCH ?" in done.stdout and 'NEAR(\\"air\\" \\"defens\\", 3)' in done.stdout
    assert '"span_near"' in done.stdout and '"keys.source": "reuters"' in done.stdout
    facts = lines(cli(env, "query", "explain", "missiles", "--json").stdout)[0]
    assert facts["ast"] == "STEMMED WORD 'missil' in title|body"
    assert facts["elasticsearch"]["query"]["bool"]["should"][0]["term"]["tokens.title"]["value"] == "missil"


@pytest.mark.integration
def test_search_reads_elasticsearch_when_configured(elasticsearch_url: str) -> None:
    settings = es_settings(elasticsearch_url)
    backend = ElasticsearchBackend.from_settings(settings)
    try:
        backend.index(FRESH)
        backend.refresh()
        env = clean_env(
            WIREWATCH_ELASTICSEARCH_URL=elasticsearch_url,
            WIREWATCH_ELASTICSEARCH_INDEX_PREFIX=settings.elasticsearch_index_prefix,
        )
        done = cli(env, "search", "patriot -germany", "--json", "--limit", "100")
        assert done.returncode == 0, done.stderr
        assert {h["id"] for h in lines(done.stdout)} == backend.matching_ids("patriot -germany")
        assert id_of("title-only-patriot") in {h["id"] for h in lines(done.stdout)}
        facets = lines(cli(env, "search", "president", "--facets", "--json").stdout)[0]
        assert facets["source"] == [{"value": "kyiv independent", "count": 2}]
    finally:
        drop_es(backend)


def test_an_unreachable_elasticsearch_is_one_line() -> None:
    env = clean_env(WIREWATCH_ELASTICSEARCH_URL=f"http://127.0.0.1:{free_port()}")
    done = cli(env, "search", "missile")
    assert done.returncode == 1
    assert done.stderr.startswith("wirewatch: error: elasticsearch at http://127.0.0.1:")
    assert "unreachable" in done.stderr and done.stderr.count("\n") == 1
