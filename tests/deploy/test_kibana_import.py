"""`wirewatch kibana import` against our loopback fake of Kibana's import API: accept, reject, unreachable."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import clean_env, cli, free_port
from tests.deploy.kibana_objects import NDJSON, load
from tests.deploy.kibana_server import KibanaServer, file_part
from tests.test_cli import assert_one_line_error


@pytest.fixture
def kibana() -> Iterator[KibanaServer]:
    server = KibanaServer(password="s3cret", api_key="a2V5OnNlY3JldA==")
    yield server
    server.close()


@pytest.fixture
def creds(tmp_path: Path) -> dict[str, str]:
    return clean_env(
        WIREWATCH_DATA_DIR=str(tmp_path),
        WIREWATCH_ELASTICSEARCH_USERNAME="elastic",
        WIREWATCH_ELASTICSEARCH_PASSWORD="s3cret",
    )


def test_import_sends_the_ndjson_and_is_idempotent(kibana: KibanaServer, creds: dict[str, str]) -> None:
    for _ in range(2):  # a rerun overwrites the same objects
        done = cli(creds, "kibana", "import", "--url", kibana.url(""))
        assert done.returncode == 0, done.stderr
        assert f"imported {len(load())} saved objects" in done.stdout
    request = kibana.requests[-1]
    assert request.path == "/api/saved_objects/_import?overwrite=true"
    assert request.headers["kbn-xsrf"]
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"elastic:s3cret").decode()
    assert file_part(request.headers["Content-Type"], request.body) == NDJSON.read_bytes()
    assert set(kibana.saved) == {(o["type"], o["id"]) for o in load()}


def test_import_with_an_api_key_and_the_url_from_the_settings(kibana: KibanaServer, tmp_path: Path) -> None:
    env = clean_env(
        WIREWATCH_DATA_DIR=str(tmp_path),
        WIREWATCH_ELASTICSEARCH_API_KEY="a2V5OnNlY3JldA==",
        WIREWATCH_KIBANA_URL=kibana.url("/"),
    )
    done = cli(env, "kibana", "import")
    assert done.returncode == 0, done.stderr
    assert kibana.requests[-1].headers["Authorization"] == "ApiKey a2V5OnNlY3JldA=="


def test_rejected_objects_name_the_first_error(
    kibana: KibanaServer, creds: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.ndjson"
    dangling = {"type": "search", "id": "orphan", "attributes": {"title": "Orphan"}, "references": []}
    dangling["references"] = [
        {"type": "index-pattern", "id": "nowhere", "name": "kibanaSavedObjectMeta.index"}
    ]
    broken.write_text(json.dumps(dangling) + "\n")
    result = cli(creds, "kibana", "import", "--url", kibana.url(""), "--file", str(broken))
    assert_one_line_error(result, 1, "rejected 1 saved object(s) of broken.ndjson")
    assert "search orphan: missing_references (index-pattern nowhere)" in result.stderr
    assert kibana.saved == {}


def test_a_file_kibana_cannot_parse_is_refused_with_its_reason(
    kibana: KibanaServer, creds: dict[str, str], tmp_path: Path
) -> None:
    junk = tmp_path / "junk.ndjson"
    junk.write_text("{not json\n")
    result = cli(creds, "kibana", "import", "--url", kibana.url(""), "--file", str(junk))
    assert_one_line_error(result, 1, "refused the import (400: Unexpected token in JSON")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("wrong", "Kibana rejected the credentials (Unauthorized)"),
        (None, "requires credentials and none are set"),
    ],
)
def test_bad_or_missing_credentials(
    kibana: KibanaServer, tmp_path: Path, password: str | None, fragment: str
) -> None:
    env = clean_env(WIREWATCH_DATA_DIR=str(tmp_path))
    if password:
        env["WIREWATCH_ELASTICSEARCH_PASSWORD"] = password
    assert_one_line_error(cli(env, "kibana", "import", "--url", kibana.url("")), 2, fragment)
    assert kibana.saved == {}


def test_kibana_still_starting(kibana: KibanaServer, creds: dict[str, str]) -> None:
    kibana.ready = False
    result = cli(creds, "kibana", "import", "--url", kibana.url(""))
    assert_one_line_error(result, 1, "refused the import (503: Kibana server is not ready yet)")


def test_unreachable_kibana(creds: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    assert_one_line_error(cli(creds, "kibana", "import", "--url", url), 1, f"Kibana at {url}")
    assert "is unreachable" in cli(creds, "kibana", "import", "--url", url).stderr


def test_missing_url_or_file(creds: dict[str, str], tmp_path: Path) -> None:
    assert_one_line_error(cli(creds, "kibana", "import"), 2, "no Kibana URL")
    missing = tmp_path / "nope.ndjson"
    result = cli(creds, "kibana", "import", "--url", "http://127.0.0.1:9", "--file", str(missing))
    assert_one_line_error(result, 2, f"saved objects file {missing} does not exist")


def test_help(creds: dict[str, str]) -> None:
    done = cli(creds, "kibana", "import", "--help")
    assert done.returncode == 0 and "--url" in done.stdout and "--file" in done.stdout
