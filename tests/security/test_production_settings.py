"""Production-safe by default (issue 15, item 1): what PAYGATE_ENV=production allows and refuses.

Settings are read from a real environment; start-up refusals are checked on a second process
(`python -m paygate_app.core.cli seed`, what `migrate` runs before any app or worker starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from taskiq import TaskiqState

from paygate_app.core.settings import Settings, settings
from tests.ops.test_compose import SECRETS, _compose, _interpolate
from tests.support.databases import migrate

ROOT = Path(__file__).resolve().parents[2]
# The four settings docs/DEPLOY.md says production needs.
PRODUCTION = {
    "PAYGATE_ENV": "production",
    "DATABASE_URL": "postgresql://paygate@db.internal:5432/paygate",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "PAYGATE_SERVER_KEY": "a" * 64,
    "PAYGATE_PUBLIC_URL": "https://pay.example.com",
}
OURS = ("WEBHOOK_ALLOW_PRIVATE_HOSTS", "SEED_TEST_MERCHANT", "TEST_MODE", "PAYGATE_ENV", "PAYGATE_SERVER_KEY")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*OURS, *PRODUCTION):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_settings_production_with_four_settings_is_safe_by_default(clean_env: pytest.MonkeyPatch) -> None:
    for name, value in PRODUCTION.items():
        clean_env.setenv(name, value)
    s = Settings()
    assert s.is_production and s.test_mode  # TEST_MODE may stay on...
    assert s.webhook_allow_private_hosts is False  # ...but it opens no webhook to private hosts
    assert s.seed_test_merchant is False
    assert s.production_problems() == []
    s.check_production()


def test_settings_development_default_allows_a_local_receiver_and_seeds(clean_env: pytest.MonkeyPatch) -> None:
    s = Settings()
    assert not s.is_production
    assert s.webhook_allow_private_hosts is True and s.seed_test_merchant is True


def test_settings_development_outside_test_mode_refuses_private_hosts(clean_env: pytest.MonkeyPatch) -> None:
    """The contract: outside test mode, loopback and private addresses are refused."""
    clean_env.setenv("TEST_MODE", "false")
    assert Settings().webhook_allow_private_hosts is False


def test_settings_test_mode_does_not_open_private_hosts_when_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEST_MODE", "true")
    clean_env.setenv("WEBHOOK_ALLOW_PRIVATE_HOSTS", "false")
    assert Settings().webhook_allow_private_hosts is False


def test_settings_explicit_values_win_over_the_environment_default(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WEBHOOK_ALLOW_PRIVATE_HOSTS", "false")
    assert Settings().webhook_allow_private_hosts is False
    for name, value in PRODUCTION.items():
        clean_env.setenv(name, value)
    clean_env.setenv("SEED_TEST_MERCHANT", "true")
    assert Settings().seed_test_merchant is True


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"WEBHOOK_ALLOW_PRIVATE_HOSTS": "true"}, "WEBHOOK_ALLOW_PRIVATE_HOSTS"),
        ({"PAYGATE_SERVER_KEY": ""}, "PAYGATE_SERVER_KEY"),
    ],
)
def test_settings_production_refuses_unsafe_combination_naming_it(
    clean_env: pytest.MonkeyPatch, extra: dict[str, str], named: str
) -> None:
    for name, value in {**PRODUCTION, **extra}.items():
        clean_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=named):
        Settings().check_production()


def _seed(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    url = f"sqlite:///{tmp_path / 'prod.db'}"
    migrate(url)
    base = {k: v for k, v in os.environ.items() if k not in (*OURS, *PRODUCTION)}
    return subprocess.run(
        [sys.executable, "-m", "paygate_app.core.cli", "seed"],
        cwd=ROOT,
        env={**base, **PRODUCTION, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_start_refuses_private_webhook_hosts(tmp_path: Path) -> None:
    result = _seed(tmp_path, WEBHOOK_ALLOW_PRIVATE_HOSTS="true")
    assert result.returncode != 0
    assert "WEBHOOK_ALLOW_PRIVATE_HOSTS" in result.stderr


def test_production_start_does_not_seed_the_test_merchant(tmp_path: Path) -> None:
    result = _seed(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "not seeding the test merchant" in result.stdout


def test_production_seed_only_when_asked_and_loudly(tmp_path: Path) -> None:
    result = _seed(tmp_path, SEED_TEST_MERCHANT="true")
    assert result.returncode == 0, result.stderr
    assert "test merchant created" in result.stdout
    assert "SEED_TEST_MERCHANT=true in production" in result.stderr


async def test_worker_start_refuses_unsafe_production_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from tasks.runtime import start_worker_runtime

    monkeypatch.setattr(settings, "paygate_env", "production")
    monkeypatch.setattr(settings, "paygate_server_key", "b" * 64)
    monkeypatch.setattr(settings, "webhook_allow_private_hosts", True)
    with pytest.raises(RuntimeError, match="WEBHOOK_ALLOW_PRIVATE_HOSTS"):
        await start_worker_runtime(TaskiqState())


def test_compose_file_environment_is_production_safe(clean_env: pytest.MonkeyPatch) -> None:
    """The app's environment as docker-compose.yml writes it, with only the required secrets in .env."""
    app_env = _interpolate(_compose()["services"]["app"]["environment"], SECRETS)
    for name, value in app_env.items():
        clean_env.setenv(name, str(value))
    s = Settings()
    assert s.is_production
    assert s.seed_test_merchant is False and s.webhook_allow_private_hosts is False
    s.check_production()
