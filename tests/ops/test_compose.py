"""docker-compose.yml, Dockerfile and .dockerignore, checked without a Docker engine.

The compose file is validated against the Compose Specification's JSON schema (the copy that
check-jsonschema ships, Apache-2.0), then against what the deployment needs: health checks,
start order, a scalable worker, one image for app and worker, secrets that must be given.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
SECRETS = {"PAYGATE_SERVER_KEY": "k" * 64, "POSTGRES_PASSWORD": "pg-secret"}


def _compose() -> dict:
    return YAML(typ="safe").load(COMPOSE.read_text())


def _interpolate(value, env: dict[str, str]):
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (enough for this file)."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match) -> str:
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        if env.get(name):
            return env[name]
        if op == ":?":
            raise ValueError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, value)


def test_compose_file_validates_against_the_compose_spec_schema():
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    assert schema["title"] == "Compose Specification"
    jsonschema.Draft202012Validator(schema).validate(_compose())
    cli = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(cli), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_schema_rejects_a_broken_file():
    """The validation has teeth: a typo in a condition or a key is caught."""
    schema = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())
    broken = _compose()
    broken["services"]["worker"]["depends_on"]["redis"]["condition"] = "service_ready"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)
    broken = _compose()
    broken["services"]["app"]["helthcheck"] = {}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_compose_services_images_and_redis_aof():
    services = _compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "app", "worker"}
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    command = services["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(v.endswith(":/data") for v in services["redis"]["volumes"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])


def test_compose_health_checks_and_start_order():
    services = _compose()["services"]
    for name in ("postgres", "redis", "app", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "/health" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"][-1] == "worker-health"
    for name in ("app", "worker"):
        deps = services[name]["depends_on"]
        assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy", name
        assert deps["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["migrate"]["restart"] == "no"


def test_compose_app_and_worker_share_one_image_and_the_worker_scales():
    services = _compose()["services"]
    app, worker, migrate = services["app"], services["worker"], services["migrate"]
    assert app["build"] == worker["build"] == migrate["build"]
    assert app["build"]["context"] == "."
    assert app["image"] == worker["image"] == migrate["image"]
    assert (app["command"], worker["command"], migrate["command"]) == (["app"], ["worker"], ["migrate"])
    # `docker compose up --scale worker=3` needs no fixed name and no host port on the worker.
    assert "container_name" not in worker and "ports" not in worker
    for svc in (app, worker):
        assert svc["init"] is True
        assert int(svc["stop_grace_period"].rstrip("s")) > 30  # the 30 s in-flight budget fits
        assert svc["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert svc["environment"]["DATABASE_URL"].startswith("postgresql://")


def test_compose_refuses_to_start_without_secrets():
    services = _compose()["services"]
    with pytest.raises(ValueError, match="PAYGATE_SERVER_KEY"):
        _interpolate(services["app"]["environment"], {"POSTGRES_PASSWORD": "x"})
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        _interpolate(services["postgres"]["environment"], {})
    env = _interpolate(services["worker"]["environment"], SECRETS)
    assert env["PAYGATE_SERVER_KEY"] == SECRETS["PAYGATE_SERVER_KEY"]
    assert env["DATABASE_URL"] == "postgresql://paygate:pg-secret@postgres:5432/paygate"
    assert env["PAYGATE_ENV"] == "production"
    ports = _interpolate(services["app"]["ports"], SECRETS)
    assert ports == ["127.0.0.1:8000:8000"]  # behind a reverse proxy unless PAYGATE_BIND says otherwise


def test_compose_commands_are_entrypoint_subcommands():
    script = (ROOT / "scripts" / "topology.sh").read_text()
    handled = set(re.findall(r"^  ([a-z-]+)\)$", script, flags=re.M))
    assert {"app", "worker", "migrate", "worker-health", "build"} <= handled


# --- Dockerfile and .dockerignore ---------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _pattern_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + "$")


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; matching a parent directory matches its contents."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern.lstrip("!").strip("/"))
        if any(regex.match(c) for c in candidates):
            ignored = not negate
    return ignored


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_dockerfile_one_image_python_slim_bun_from_npm_frontend_built_at_build_time():
    steps = _dockerfile()
    args = dict(a.split("=", 1) for k, a in steps if k == "ARG" and "=" in a)
    froms = [a for k, a in steps if k == "FROM"]
    assert args["PYTHON_IMAGE"] == "python:3.12-slim"
    assert froms == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE} AS runtime"]
    runs = " ".join(a for k, a in steps if k == "RUN")
    assert re.search(r"npm install .*bun@\$\{BUN_VERSION\}", runs)
    assert "scripts/topology.sh build" in runs
    make_bun = re.search(r"bun@([\d.]+)", (ROOT / "Makefile").read_text())
    assert make_bun and args["BUN_VERSION"] == make_bun.group(1)  # the version `make deps` installs
    final = steps[[k for k, _ in steps].index("FROM", 1) :]
    assert ("ENTRYPOINT", '["scripts/topology.sh"]') in final and ("CMD", '["app"]') in final
    assert ("USER", "paygate") in final


def test_dockerignore_keeps_sources_and_drops_secrets_and_local_state():
    patterns = dockerignore_patterns()
    for needed in (
        "pyproject.toml",
        "rxconfig.py",
        "alembic.ini",
        "alembic/env.py",
        "api/app.py",
        "paygate_app/paygate_app.py",
        "paygate_cli/main.py",
        "tasks/broker.py",
        "scripts/topology.sh",
        "sdk_js/checkout.js",
        "reflex.lock/bun.lock",
        "README.md",
    ):
        assert not _ignored(needed, patterns), needed
    for dropped in (
        ".env",
        "api/.env",
        ".git/config",
        ".venv/bin/python",
        ".web/build/client/index.html",
        ".tools/node_modules/.bin/bun",
        "paygate.db",
        "paygate.db-wal",
        "tests/conftest.py",
        "api/__pycache__/app.cpython-312.pyc",
        "bench/run.py",
        ".states/x",
    ):
        assert _ignored(dropped, patterns), dropped


def test_dockerfile_copy_sources_exist_and_are_in_the_context():
    patterns = dockerignore_patterns()
    for kind, arg in _dockerfile():
        if kind != "COPY" or "--from=" in arg:
            continue
        sources = arg.split()[:-1]
        for source in sources:
            if source == ".":
                continue
            if source.endswith("*"):  # optional (README.md*)
                continue
            assert (ROOT / source).exists(), source
            assert not _ignored(source, patterns), source
