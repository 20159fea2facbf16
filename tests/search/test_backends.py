"""The write-side contract every backend fulfils, each test on a fresh empty index: idempotent
create-or-update by id, moves between months, exact retention, empty indexes. Then what only one
backend has: SQLite's readers-while-writing, Elasticsearch's layout and failure classes."""

from __future__ import annotations

import json
import os
import struct
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from search.analysis import ANALYZER_VERSION
from search.backends import sqlite as sqlite_backend
from search.backends.base import DocumentRejected, IndexNotMadeYet, IndexUnavailable, SearchBackend
from search.backends.elasticsearch import ElasticsearchBackend
from search.backends.elasticsearch import backend as es_backend
from search.backends.elasticsearch.layout import TEMPLATE_FILE, IndexLayout
from search.backends.sqlite import SqliteBackend
from tests.conftest import free_port
from tests.search.conftest import drop_es, es_settings
from tests.search.faults import FaultProxy
from wirewatch.errors import UnreachableError
from wirewatch.failures import is_temporary
from wirewatch.schema import Article, Entity, article_id
from wirewatch.sqlite import connect, migrate, sqlite3

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
Make = Callable[[str], SearchBackend]


def art(n: int, text: str = "alpha bravo", published: datetime = NOW, **changes: object) -> Article:
    base = Article(
        id=article_id(f"https://contract.example/{n}", "c"),
        feed_id="c",
        source="Contract Wire",
        title=f"Story {n}",
        content=text,
        published=published,
        fetched=published,
        language="en",
        entities=[Entity(name="Kyiv", type="GPE")],
        topics=["conflict/air-defense"],
    )
    return base.model_copy(update=changes)


class Contract:
    """Tests every backend passes; subclasses set `backend_name`."""

    backend_name: str

    @pytest.fixture
    def backend(self, make_backend: Make) -> SearchBackend:
        return make_backend(self.backend_name)

    def test_empty_index_answers(self, backend: SearchBackend) -> None:
        assert backend.count() == 0
        assert backend.search("anything").total == 0
        assert backend.matching_ids(None) == set()
        assert backend.facets(None) == {"source": [], "entity": [], "topic": [], "lang": []}
        assert backend.histogram(None, timedelta(days=1)) == []
        assert backend.existing_ids(["0" * 32]) == set()
        assert backend.get("0" * 32) is None
        assert backend.health().ok
        assert backend.delete_older_than(timedelta(days=1)) == 0

    def test_indexing_is_idempotent_by_id(self, backend: SearchBackend) -> None:
        articles = [art(1), art(2)]
        assert backend.index(articles).written == 2
        backend.refresh()
        again = backend.index(articles)
        assert (again.written, again.unchanged) == (0, 2)
        backend.refresh()
        assert backend.count() == 2
        assert backend.get(articles[0].id) == articles[0]

    def test_an_update_replaces_the_old_text(self, backend: SearchBackend) -> None:
        backend.index([art(1, "alpha bravo")])
        backend.refresh()
        assert backend.index([art(1, "charlie delta", source="Other Wire")]).written == 1
        backend.refresh()
        assert backend.matching_ids("alpha") == set()
        assert backend.matching_ids("charlie") == {art(1).id}
        assert backend.matching_ids('source:"contract wire"') == set()
        assert backend.facets(None, fields=("source",))["source"] == [("Other Wire", 1)]
        assert backend.count() == 1

    def test_a_batch_of_new_changed_and_unchanged_articles(self, backend: SearchBackend) -> None:
        backend.index([art(1, "alpha"), art(2, "alpha")])
        backend.refresh()
        result = backend.index([art(1, "alpha"), art(2, "bravo"), art(3, "bravo")])
        assert (result.written, result.unchanged) == (2, 1)
        backend.refresh()
        assert backend.matching_ids("alpha") == {art(1).id}
        assert backend.matching_ids("bravo") == {art(2).id, art(3).id}
        assert [backend.get(art(n).id) for n in (1, 2, 3)] == [
            art(1, "alpha"),
            art(2, "bravo"),
            art(3, "bravo"),
        ]
        assert backend.count() == 3

    def test_the_last_version_in_a_batch_wins(self, backend: SearchBackend) -> None:
        backend.index([art(1, "alpha"), art(1, "bravo")])
        backend.refresh()
        assert backend.matching_ids("alpha OR bravo") == {art(1).id}
        assert backend.get(art(1).id) == art(1, "bravo")

    def test_a_new_publication_month_leaves_one_copy(self, backend: SearchBackend) -> None:
        october = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
        backend.index([art(1, published=october), art(2, published=october)])
        backend.refresh()
        moved = art(1, "alpha bravo charlie", published=NOW)
        backend.index([moved])
        backend.refresh()
        assert backend.count() == 2
        assert backend.get(moved.id) == moved
        assert backend.matching_ids("published:>=2026-11-01") == {moved.id}
        assert backend.matching_ids("charlie") == {moved.id}

    def test_retention_deletes_exactly_the_older_articles(self, backend: SearchBackend) -> None:
        ages = {1: 1, 2: 9, 3: 11, 4: 40, 5: 400, 6: 10}  # days before NOW
        backend.index([art(n, published=NOW - timedelta(days=d)) for n, d in ages.items()])
        backend.refresh()
        assert backend.delete_older_than(timedelta(days=10), now=NOW) == 3
        backend.refresh()
        assert backend.matching_ids(None) == {art(n).id for n in (1, 2, 6)}

    def test_health_counts_articles(self, backend: SearchBackend) -> None:
        backend.index([art(1), art(2), art(3)])
        backend.refresh()
        health = backend.health()
        assert health.ok and health.articles == 3

    def test_histogram_rejects_sub_second_intervals(self, backend: SearchBackend) -> None:
        with pytest.raises(ValueError, match="whole number of seconds"):
            backend.histogram(None, timedelta(milliseconds=500))


class TestMemoryContract(Contract):
    backend_name = "memory"


class TestSqliteWithoutExtensionContract(Contract):
    """The same contract where fts5ext.c could not be compiled: FTS rows go in as JSON."""

    backend_name = "sqlite"

    @pytest.fixture
    def backend(self, make_backend: Make, monkeypatch: pytest.MonkeyPatch) -> SearchBackend:
        monkeypatch.setattr(sqlite_backend, "_extension", lambda: None)
        backend = make_backend(self.backend_name)
        assert isinstance(backend, SqliteBackend) and not backend._extension_loaded
        return backend


class TestSqliteContract(Contract):
    backend_name = "sqlite"

    def test_readers_search_while_a_writer_indexes(self, tmp_path: Path) -> None:
        path = tmp_path / "search.db"
        writer = SqliteBackend(path)
        reader = SqliteBackend(path, readonly=True)
        errors: list[BaseException] = []
        counts: list[int] = []
        done = threading.Event()

        def write() -> None:
            try:
                for batch in range(20):
                    writer.index([art(batch * 50 + n, f"alpha w{batch}") for n in range(50)])
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=write)
        thread.start()
        while not done.is_set():
            try:
                counts.append(reader.search("alpha", size=5).total)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                break
        thread.join()
        final = reader.search("alpha").total
        writer.close()
        reader.close()
        assert not errors
        assert counts == sorted(counts), "a reader never sees a write undone"
        assert len(counts) > 1 and final == 1000

    def test_an_index_of_another_layout_is_rebuilt_from_the_stored_articles(self, tmp_path: Path) -> None:
        path = tmp_path / "search.db"
        writer = SqliteBackend(path)
        writer.index([art(1, "the minister said the talks failed"), art(2, "talks said nothing")])
        # As an older wirewatch left it: four token columns and the analyser version alone.
        writer._conn.executescript(
            "DROP TABLE articles_fts;"
            " CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, title_exact, body_exact,"
            " content='', tokenize='ascii');"
            " DELETE FROM meta; INSERT INTO meta VALUES ('analyzer', '1');"
        )
        writer.close()
        rebuilt = SqliteBackend(path)
        assert rebuilt.matching_ids('"said the"') == {art(1).id}
        assert rebuilt.search("talks").total == 2
        assert [tuple(r) for r in rebuilt._conn.execute("SELECT key FROM meta")] == [("fts",)]
        settings = dict(rebuilt._conn.execute("SELECT k, v FROM articles_fts_config").fetchall())
        assert {key: settings[key] for key in sqlite_backend._FTS_CONFIG} == sqlite_backend._FTS_CONFIG
        rebuilt.close()

    def test_a_new_index_has_large_pages_an_older_file_keeps_its_own(self, tmp_path: Path) -> None:
        def page_size(path: Path) -> int:
            conn = connect(path, readonly=True)
            try:
                return int(conn.execute("PRAGMA page_size").fetchone()[0])
            finally:
                conn.close()

        new = SqliteBackend(tmp_path / "new.db")
        new.index([art(1, "air defense")])
        new.close()
        assert page_size(tmp_path / "new.db") == sqlite_backend.PAGE_SIZE != 4096

        older = tmp_path / "older.db"
        connect(older).close()  # as an older wirewatch made it: default pages, WAL already on
        backend = SqliteBackend(older)
        backend.index([art(2, "air defense")])
        assert backend.matching_ids('"air defense"') == {art(2).id}
        backend.close()
        assert page_size(older) == 4096

    def test_the_writer_and_readers_map_the_file_into_memory(self, tmp_path: Path) -> None:
        path = tmp_path / "search.db"
        writer = SqliteBackend(path)
        writer.index([art(1, "air defense")])
        reader = SqliteBackend(path, readonly=True)
        for backend in (writer, reader):
            mapped = backend._conn.execute("PRAGMA mmap_size").fetchone()[0]
            assert mapped == sqlite_backend.MMAP_BYTES, "this SQLite build caps the map lower"
        assert reader.matching_ids('"air defense"') == {art(1).id}
        reader.close()
        writer.close()

    def test_common_grams_come_and_go_with_the_extension_and_the_setting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "search.db"
        first = SqliteBackend(path)
        first.index([art(1, "the minister of the interior said"), art(2, "of minister the interior")])
        first.close()
        kept = SqliteBackend(path, readonly=True)  # open throughout, as the API's readers are
        for made_with in ("no extension", "setting off", "grams"):  # each rebuilds the index
            if made_with == "no extension":  # as where fts5ext.c could not be compiled
                monkeypatch.setattr(sqlite_backend, "_extension", lambda: None)
            writer = SqliteBackend(path, common_grams=made_with != "setting off")
            monkeypatch.undo()
            reader = SqliteBackend(path, readonly=True)  # writes phrases as the index was made
            table = writer._conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'articles_fts'"
            ).fetchone()
            assert ("tokenize='wirewatch" in table[0]) is (made_with == "grams")
            assert reader._grams is writer._grams
            for backend in (writer, reader, kept):
                assert backend.matching_ids('"minister of the interior"') == {art(1).id}
                assert backend.matching_ids('"the interior"') == {art(1).id, art(2).id}
                assert [h.article.id for h in backend.search('"of the interior"').hits] == [art(1).id]
            assert kept._grams is writer._grams
            writer.close()
            reader.close()
        kept.close()
        monkeypatch.setattr(sqlite_backend, "_extension", lambda: None)
        with pytest.raises(UnreachableError, match="made with wirewatch's FTS5 extension"):
            SqliteBackend(path, readonly=True)  # a reader cannot rebuild the index to suit itself

    def test_a_batch_split_between_two_threads_is_written_whole(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(sqlite_backend, "ANALYSE_CHUNK", 2)  # 7 articles: four chunks
        backend = SqliteBackend(tmp_path / "search.db")
        batch = [art(n, f"alpha n{n}", entities=[Entity(name=f"Place {n}", type="GPE")]) for n in range(7)]
        assert backend.index(batch).written == 7
        assert backend.matching_ids("alpha") == {a.id for a in batch}
        assert backend.matching_ids('n6 entity:"Place 6"') == {batch[6].id}
        assert sorted(backend.facets("alpha", ["entity"])["entity"]) == [(f"Place {n}", 1) for n in range(7)]
        assert [backend.get(a.id) for a in batch] == batch
        assert backend.index([art(n, "bravo") for n in range(7)]).written == 7  # updates, in chunks
        assert (backend.matching_ids("alpha"), len(backend.matching_ids("bravo"))) == (set(), 7)
        backend.close()

    def test_rows_come_through_the_pipe_whole_or_not_at_all(self, tmp_path: Path) -> None:
        backend = SqliteBackend(tmp_path / "search.db")
        record = sqlite_backend._row_record((7, "alpha", "bravo é"))
        cases = [
            (record * 2, [(7, "alpha", "bravo é", None)] * 2),
            (b"", []),
            (record[:-1], "a row ends early"),
            (record[:5], "a row ends early"),
            (struct.pack("<qI", 1, 9), "a row has too many columns"),
        ]
        for data, expected in cases:
            read_end, write_end = os.pipe()
            os.write(write_end, data)
            os.close(write_end)
            query = "SELECT rowid, c0, c1, c2 FROM wirewatch_rows(?)"
            if isinstance(expected, str):
                with pytest.raises(sqlite3.OperationalError, match=f"wirewatch_rows: {expected}"):
                    backend._conn.execute(query, (read_end,)).fetchall()
            else:
                assert [tuple(row) for row in backend._conn.execute(query, (read_end,))] == expected
            os.close(read_end)
        with pytest.raises(sqlite3.OperationalError, match="no query solution"):  # no pipe named
            backend._conn.execute("SELECT * FROM wirewatch_rows").fetchall()
        backend.close()

    def test_a_batch_failing_midway_leaves_nothing_and_no_thread_waiting(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        backend = SqliteBackend(tmp_path / "search.db")
        # The insert fails at its 151st row while the analysing thread still has megabytes of rows
        # to write: that thread must stop on the broken pipe, not wait for a reader forever.
        failing = backend._fts_insert_piped.replace(
            "SELECT rowid, c0", "SELECT rowid, CASE WHEN rowid > 150 THEN json('not json') ELSE c0 END"
        )
        monkeypatch.setattr(backend, "_fts_insert_piped", failing)
        batch = [art(n, "alpha " * 2000) for n in range(400)]  # about 10 MB of rows; a pipe holds 1
        with pytest.raises(sqlite3.OperationalError, match="malformed JSON"):
            backend.index(batch)
        monkeypatch.undo()
        assert (backend.count(), backend.matching_ids("alpha")) == (0, set())
        assert backend.index(batch[:3]).written == 3
        assert backend.matching_ids("alpha") == {a.id for a in batch[:3]}
        backend.close()

    @pytest.mark.parametrize("step", ["_fts_values", "keyword_values"])
    def test_a_batch_whose_analysis_fails_is_not_written(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
    ) -> None:
        """Analysis fails while FTS rows go in (_fts_values) or after they went in, while FTS5
        writes them out (keyword_values): either way the whole batch is rolled back."""
        backend = SqliteBackend(tmp_path / "search.db")
        backend.index([art(0, "alpha")])
        analyse = getattr(sqlite_backend, step)

        def fail_on_the_last(article: Article) -> object:
            if article.id == art(119).id:
                raise ValueError("analysis failed")
            return analyse(article)

        monkeypatch.setattr(sqlite_backend, step, fail_on_the_last)
        with pytest.raises(ValueError, match="analysis failed"):
            backend.index([art(n, "bravo") for n in range(120)])  # an update and new articles
        monkeypatch.undo()
        assert (backend.count(), backend.matching_ids("alpha"), backend.matching_ids("bravo")) == (
            1,
            {art(0).id},
            set(),
        )
        backend.close()

    def test_totals_stop_counting_at_the_limit_ranking_and_facets_read_the_newest(
        self, tmp_path: Path
    ) -> None:
        backend = SqliteBackend(tmp_path / "search.db")
        backend.index([art(n, "alpha " * (10 if n == 1 else 1)) for n in range(1, 8)])
        assert backend.search("alpha") == backend.search("alpha")  # stable
        full = backend.search("alpha")
        assert (full.total, full.total_exact, full.hits[0].article.id) == (7, True, art(1).id)
        backend.total_limit, backend.rank_window = 5, 3
        capped = backend.search("alpha", size=10)
        assert (capped.total, capped.total_exact) == (5, False)
        # Article 1 repeats the word ten times but is not among the 3 most recently indexed.
        assert [h.article.id for h in capped.hits] == [art(n).id for n in (7, 6, 5)]
        assert len(backend.search("alpha", sort="newest", size=10).hits) == 7  # newest first reads all
        assert backend.facets("alpha", ["entity"]) == {"entity": [("Kyiv", 3)]}  # the newest 3
        backend.close()

    def test_the_ranking_function_scores_as_bm25_does(self, tmp_path: Path) -> None:
        # wirewatch_rank counts a phrase exactly up to 2,000 matches and estimates past that:
        # "echo" (2,100 matches) is estimated, "charlie" (450) and "bravo" (2,250) are counted.
        backend = SqliteBackend(tmp_path / "search.db")
        assert backend._rank_function  # compiled by the package's install

        def text(n: int) -> str:
            words = ["alpha"] * (1 + n % 4) + ["bravo"] * (n % 2) + ["charlie"] * (n % 10 == 0)
            return " ".join(words + ["echo"] * (n % 15 < 7) + ["x"] * (n % 7))

        backend.index([art(n, text(n)) for n in range(4_500)])

        def ranked(query: str, rank_function: bool) -> list[tuple[str, float]]:
            backend._rank_function = rank_function
            return [(h.article.id, h.score) for h in backend.search(query, size=50).hits]

        for query, tolerance in (
            ("charlie OR bravo", 1e-9),
            ('"alpha alpha" OR bravo', 1e-9),
            ("echo OR charlie", 0.01),
        ):
            ours, bm25 = ranked(query, True), ranked(query, False)
            assert [i for i, _ in ours] == [i for i, _ in bm25], query
            assert [s for _, s in ours] == pytest.approx([s for _, s in bm25], rel=tolerance), query
        # One phrase: the same order; its IDF, a constant factor, is left out.
        assert [i for i, _ in ranked("alpha", True)] == [i for i, _ in ranked("alpha", False)]
        backend.close()

    def test_a_missing_file_is_a_clear_error_for_readers(self, tmp_path: Path) -> None:
        with pytest.raises(UnreachableError, match="has the pipeline run yet"):
            SqliteBackend(tmp_path / "nothing.db", readonly=True)

    def test_an_index_not_made_yet_is_a_clear_error_for_readers(self, tmp_path: Path) -> None:
        """A reader may open the file while the first writer is making it: after the file
        exists, and again after the schema is committed but before the FTS table is."""
        path = tmp_path / "search.db"

        def files_open() -> int:  # this process's descriptors of the index
            return sum(1 for fd in Path("/proc/self/fd").iterdir() if fd.resolve() == path)

        for step in ("file", "schema"):
            conn = connect(path)
            if step == "schema":
                migrate(conn, sqlite_backend._SCHEMA)
            conn.close()
            with pytest.raises(IndexNotMadeYet, match="is not made yet: has the pipeline run yet") as refused:
                SqliteBackend(path, readonly=True)
            # Closed by the refusal itself, not when its traceback (held here) goes.
            assert files_open() == 0 and refused.tb is not None, step
            assert isinstance(refused.value, UnreachableError)  # one line in the CLI and the API
        SqliteBackend(path).close()
        reader = SqliteBackend(path, readonly=True)
        assert reader.count() == 0
        reader.close()


def test_the_template_file_matches_the_analyser() -> None:
    template = json.loads(TEMPLATE_FILE.read_text())
    assert template["_meta"]["analyzer_version"] == ANALYZER_VERSION
    assert template["template"]["mappings"]["_meta"]["analyzer_version"] == ANALYZER_VERSION
    assert template["index_patterns"] == ["wirewatch-articles-*"]
    assert list(template["template"]["aliases"]) == ["wirewatch-articles"]


def test_index_layout_names_months_and_prefixes() -> None:
    layout = IndexLayout("acme")
    assert layout.alias == "acme-articles"
    assert layout.monthly(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == "acme-articles-2026.01"
    assert layout.month_of("acme-articles-2026.01") == datetime(2026, 1, 1, tzinfo=UTC)
    assert layout.month_of("acme-articles-2026.01-r2") == datetime(2026, 1, 1, tzinfo=UTC)  # rebuilt
    assert layout.month_of("acme-articles-old") is None
    assert layout.month_of("other-2026.01") is None
    body = layout.template()
    assert body["index_patterns"] == ["acme-articles-*"]
    assert list(body["template"]["aliases"]) == ["acme-articles"]


@pytest.mark.integration
class TestElasticsearchContract(Contract):
    backend_name = "elasticsearch"

    def test_monthly_indices_behind_the_alias(self, backend: SearchBackend) -> None:
        assert isinstance(backend, ElasticsearchBackend)
        backend.index([art(1, published=datetime(2026, 10, 3, tzinfo=UTC)), art(2)])
        backend.refresh()
        alias = backend.layout.alias
        assert backend.indices() == [f"{alias}-2026.10", f"{alias}-2026.11"]
        template = backend.client.indices.get_index_template(name=backend.layout.template_name)
        body = template["index_templates"][0]["index_template"]
        assert body["index_patterns"] == [f"{alias}-*"]
        mapping = backend.client.indices.get_mapping(index=f"{alias}-2026.11").body
        properties = mapping[f"{alias}-2026.11"]["mappings"]["properties"]
        assert properties["tokens"]["properties"]["body"]["analyzer"] == "wirewatch_tokens"
        assert properties["published"]["type"] == "date_nanos"
        assert properties["entity_keys"]["type"] == "keyword"
        assert properties["title"]["fields"]["keyword"]["type"] == "keyword"
        hit = backend.client.search(index=alias, query={"ids": {"values": [art(2).id]}})["hits"]["hits"][0]
        assert hit["_source"]["entity_keys"] == ["GPE:Kyiv"]
        assert hit["_source"]["keys"]["topic"] == ["conflict", "conflict/air-defense"]

    def test_an_index_built_by_another_analyser_is_refused(self, elasticsearch_url: str) -> None:
        settings = es_settings(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(settings)
        try:
            backend.client.indices.create(
                index=f"{backend.layout.alias}-1999.01",
                mappings={"_meta": {"analyzer_version": ANALYZER_VERSION - 1}},
            )
            with pytest.raises(UnreachableError, match=f"analyzer v{ANALYZER_VERSION - 1}"):
                ElasticsearchBackend.from_settings(settings)
        finally:
            drop_es(backend)

    def test_busy_bulk_items_are_retried(self, elasticsearch_url: str) -> None:
        proxy = FaultProxy(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(es_settings(proxy.url("")))
        backend.bulk_backoff = 0.01
        try:
            proxy.fail_bulk_items = [429, 503]
            assert backend.index([art(1), art(2)]).written == 2
            backend.refresh()
            assert backend.count() == 2
            assert proxy.bulk_requests == 3
        finally:
            drop_es(backend)
            proxy.close()

    def test_a_bulk_goes_in_requests_of_bounded_size(
        self, elasticsearch_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(es_backend, "BULK_REQUEST", 2)
        proxy = FaultProxy(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(es_settings(proxy.url("")))
        backend.bulk_backoff = 0.01
        try:
            proxy.fail_bulk_items = [429]  # the first request's two items are retried
            assert backend.index([art(n) for n in range(5)]).written == 5
            backend.refresh()
            assert backend.count() == 5
            assert proxy.bulk_requests == 4  # 2 + 2 + 1 articles, then the two refused again
        finally:
            drop_es(backend)
            proxy.close()

    def test_bulk_items_busy_for_too_long_are_a_temporary_failure(self, elasticsearch_url: str) -> None:
        proxy = FaultProxy(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(es_settings(proxy.url("")))
        backend.bulk_backoff = 0.01
        try:
            proxy.fail_bulk_items = [429] * 10
            with pytest.raises(IndexUnavailable, match="429/5xx") as failure:
                backend.index([art(1)])
            assert is_temporary(failure.value)
        finally:
            drop_es(backend)
            proxy.close()

    def test_rejected_documents_are_a_permanent_failure(self, elasticsearch_url: str) -> None:
        proxy = FaultProxy(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(es_settings(proxy.url("")))
        try:
            proxy.fail_bulk_items = [400]
            with pytest.raises(DocumentRejected, match=art(1).id) as failure:
                backend.index([art(1)])
            assert not is_temporary(failure.value)
        finally:
            drop_es(backend)
            proxy.close()

    def test_server_errors_are_temporary(self, elasticsearch_url: str) -> None:
        proxy = FaultProxy(elasticsearch_url)
        backend = ElasticsearchBackend.from_settings(es_settings(proxy.url("")))
        try:
            proxy.fail_requests = [503] * 100
            with pytest.raises(IndexUnavailable, match="503") as failure:
                backend.search("alpha")
            assert is_temporary(failure.value)
            assert not backend.health().ok
            proxy.fail_requests = []
            assert backend.health().ok
        finally:
            proxy.fail_requests = []
            drop_es(backend)
            proxy.close()


def test_an_unreachable_elasticsearch_is_a_temporary_one_line_failure() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(IndexUnavailable, match="unreachable") as failure:
        ElasticsearchBackend.from_settings(es_settings(url))
    assert is_temporary(failure.value)
    assert "\n" not in str(failure.value)
    backend = ElasticsearchBackend(Elasticsearch(url, max_retries=0), url, IndexLayout())
    health = backend.health()
    assert not health.ok and url in health.detail
    with pytest.raises(IndexUnavailable):
        backend.index([art(1)])
