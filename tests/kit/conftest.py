"""Kit tests reuse the API suite's in-process app on SQLite and PostgreSQL."""

from tests.api.conftest import backend, client, database_urls

__all__ = ["backend", "client", "database_urls"]
