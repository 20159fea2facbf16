"""Property-based fuzzing of every operation in /openapi.json: no 5xx, answers as documented."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.api.conftest import ApiServer, seed_articles
from tests.conftest import free_port

pytestmark = pytest.mark.integration

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """The API with short network timeouts: fuzzed feed and target URLs fail fast."""
    server = ApiServer(
        tmp_path_factory.mktemp("fuzz"),
        WIREWATCH_API_RATE_LIMIT="0",
        WIREWATCH_HTTP_TIMEOUT="2",
        WIREWATCH_HTTP_CONNECT_TIMEOUT="1",
        WIREWATCH_DELIVERY_TIMEOUT="2",
        WIREWATCH_KAFKA_BOOTSTRAP=f"127.0.0.1:{free_port()}",
    )
    seed_articles(server.data_dir)
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def write_token(api: ApiServer) -> str:
    return api.token("fuzzer", "write")


@pytest.fixture(scope="module")
def api_schema(api: ApiServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json").exclude(
        path="/api/alerts/stream"  # an endless stream: covered by test_write
    )


def examples(operation: schemathesis.APIOperation) -> int:
    """Cases worth generating: when the bearer token is an operation's only input (and every call
    sends the real one), each case is the same request, so one is enough (/api/status takes 3 s)."""
    inputs = [p for p in operation.iter_parameters() if p.name != "Authorization"]
    return 10 if inputs or operation.body else 1


def test_every_operation_answers_as_documented(api_schema: schemathesis.BaseSchema, write_token: str) -> None:
    # schemathesis' pytest plugin does not load under this pytest, so each operation gets its own
    # Hypothesis test built from the schema's strategies.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples(operation),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers={"Authorization": f"Bearer {write_token}"}, checks=CHECKS, timeout=30
            )

        fuzz()
