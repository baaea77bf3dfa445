"""All settings, read once from the environment (seed-compatible names)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
DEV_SERVER_KEY = "paygate-dev-server-key-change-me"


class Settings(BaseSettings):
    """Process settings; every field maps to an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    database_url: str = Field(default="")
    redis_url: str = Field(default="")
    paygate_port: int = 8000
    paygate_public_url: str = ""
    paygate_env: str = "development"
    # A server-side key for keyed hashes of API secrets and session tokens.
    paygate_server_key: str = DEV_SERVER_KEY

    test_mode: bool = True
    test_payment_success: bool = True
    test_processing_delay: int = 1000  # ms
    webhook_retry_intervals_test: bool = False
    upi_success_rate: float = 0.90
    card_success_rate: float = 0.95
    processing_delay_min: int = 5000  # ms
    processing_delay_max: int = 10000
    refund_delay_min: int = 3000
    refund_delay_max: int = 5000

    webhook_timeout: float = 5.0
    webhook_concurrency: int = 256  # sends in flight per process, all merchants together
    webhook_concurrency_per_merchant: int = 64  # one merchant's share: a hanging receiver cannot take them all
    # Webhooks to loopback/private/link-local addresses. Unset: allowed only in the development
    # default (test mode, not production: `make run`'s local receiver); production refuses it.
    webhook_allow_private_hosts: bool | None = None
    sweeper_interval: float = 1.0  # s
    stuck_after: float = 30.0  # s a claimed job may run before the sweeper re-queues it
    # Days a final (success/failed) webhook log and its attempts are kept after their last change;
    # the sweeper deletes older ones in batches (core/webhooks/retention.py). 0 keeps them forever.
    webhook_retention_days: int = Field(default=30, ge=0, le=36500)

    rate_limit_api_key: str = "100/second"
    rate_limit_ip: str = "20/second"
    rate_limit_login_failures: str = "10/15 minutes"  # per email, then locked; "" disables
    rate_limit_webhook_test: str = "20/10 seconds"  # POST /api/v1/webhooks/test, per merchant
    rate_limit_enabled: bool = True
    max_body_bytes: int = 64 * 1024
    # Seconds a request holds an Idempotency-Key in progress; a duplicate meanwhile gets 409. The key's
    # record is completed in the resource's own transaction, so after a crash before that commit the key
    # is free again once the lease runs out (core/idempotency.py).
    idempotency_lease_seconds: float = Field(default=5.0, gt=0)
    max_payment_attempts_per_order: int = Field(default=10, ge=1)  # then 429 too_many_attempts
    db_pool_size: int = 10
    # Seconds a request waits for a PostgreSQL connection before 503 SERVICE_UNAVAILABLE + Retry-After:
    # while the database is unreachable clients get their answer fast instead of hanging.
    db_pool_timeout: float = Field(default=2.0, gt=0)

    # Observability: /metrics (and /docs in production) need this bearer token when set.
    paygate_metrics_token: str = ""
    prometheus_multiproc_dir: str = ""  # one directory shared by the processes of a deployment
    paygate_log_format: str = "json"  # or "text"
    paygate_log_level: str = "INFO"

    # The documented test merchant (published credentials). Unset: seeded outside production only.
    seed_test_merchant: bool | None = None

    @model_validator(mode="after")
    def _environment_defaults(self) -> Settings:
        """Defaults that depend on PAYGATE_ENV; an explicit value always wins."""
        if self.webhook_allow_private_hosts is None:
            # The development default (a merchant's local receiver); the contract refuses private
            # addresses outside test mode. TEST_MODE only narrows this default, it never opens a check.
            self.webhook_allow_private_hosts = self.test_mode and not self.is_production
        if self.seed_test_merchant is None:
            self.seed_test_merchant = not self.is_production
        return self

    @property
    def is_production(self) -> bool:
        return self.paygate_env.strip().lower() == "production"

    @cached_property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to SQLite paygate.db in the project root."""
        return self.database_url or f"sqlite:///{ROOT / 'paygate.db'}"

    @property
    def is_postgres(self) -> bool:
        return self.effective_database_url.startswith(("postgres://", "postgresql"))

    @property
    def uses_redis(self) -> bool:
        return bool(self.redis_url)

    @property
    def webhook_retry_schedule(self) -> list[int]:
        """Seconds to wait before attempt N (index 0 is the first attempt)."""
        if self.webhook_retry_intervals_test:
            return [0, 5, 10, 15, 20]
        return [0, 60, 300, 1800, 7200]

    def production_problems(self) -> list[str]:
        """Why these settings are unsafe for PAYGATE_ENV=production (empty when they are fine).

        TEST_MODE may stay on (the whole product simulates payments) but disables no check.
        """
        if not self.is_production:
            return []
        problems = []
        if self.paygate_server_key == DEV_SERVER_KEY or not self.paygate_server_key:
            problems.append("PAYGATE_SERVER_KEY must be set in production")
        if self.webhook_allow_private_hosts:
            problems.append(
                "WEBHOOK_ALLOW_PRIVATE_HOSTS=true is refused in production "
                "(webhooks to loopback and private addresses would let merchants probe the internal network)"
            )
        return problems

    def check_production(self) -> None:
        """Refuse to start (app, worker, seed) with an unsafe production combination, naming the setting."""
        problems = self.production_problems()
        if problems:
            raise RuntimeError("unsafe production settings: " + "; ".join(problems))


settings = Settings()
