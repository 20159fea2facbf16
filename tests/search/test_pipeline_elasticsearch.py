"""The embedded pipeline switched to Elasticsearch by one setting: the stream's index agent writes
there, the poller's duplicate check reads there, and `wirewatch search` finds the articles."""

from __future__ import annotations

import pytest

from ingest.state import FeedStore
from search.backends.elasticsearch import ElasticsearchBackend
from tests.conftest import Processes, cli, settings_for, wait_for
from tests.feeds import ATOM_ITEMS, WIRE_ITEMS, feed
from tests.search.conftest import drop_es
from tests.servers import FeedServer, Response
from tests.test_pipeline import write_feed_list
from wirewatch.schema import article_id

pytestmark = pytest.mark.integration


def pending_items(env: dict[str, str]) -> list[str]:
    """Items the poller produced but has not yet seen in the index."""
    store = FeedStore(settings_for(env).feeds_db, readonly=True)
    try:
        return [item[0] for feed in store.list() for item in store.pending(feed)]
    finally:
        store.close()


def test_pipeline_indexes_into_elasticsearch(
    env: dict[str, str], procs: Processes, feed_server: FeedServer, elasticsearch_url: str
) -> None:
    env |= {
        "WIREWATCH_ELASTICSEARCH_URL": elasticsearch_url,
        "WIREWATCH_ELASTICSEARCH_INDEX_PREFIX": f"wwpipe-{feed_server.port}",
    }
    feed_server.routes["/wire.xml"] = Response(feed(WIRE_ITEMS))
    feed_server.routes["/atom.xml"] = Response(feed(ATOM_ITEMS, "atom", name="Atom Daily"))
    write_feed_list(env, feed_server.url("/wire.xml"), feed_server.url("/atom.xml"))
    assert cli(env, "setup").returncode == 0
    backend = ElasticsearchBackend.from_settings(settings_for(env))
    try:
        procs.start("stream", "stream", env=env)
        procs.start("ingest", "ingest", env=env)

        expected = {article_id(i.url, "") for i in (*WIRE_ITEMS, *ATOM_ITEMS)}
        wait_for(lambda: backend.matching_ids(None) >= expected, 120, "all sample articles in Elasticsearch")
        assert backend.matching_ids(None) == expected
        assert backend.existing_ids(expected) == expected

        found = cli(env, "search", '"air defense"', "--json")
        assert found.returncode == 0, found.stderr
        assert "<mark>air</mark> <mark>defense</mark>" in found.stdout
        status = cli(env, "status", "--json")
        assert f'"articles": {len(expected)}' in status.stdout

        # The poller's existence check reads Elasticsearch: it confirms every produced item.
        wait_for(lambda: not pending_items(env), 60, "the poller to see its items in the index")
        assert backend.count() == len(expected)
    finally:
        drop_es(backend)
