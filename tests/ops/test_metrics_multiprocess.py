"""Several Granian workers, one answer: /metrics sums every process through PROMETHEUS_MULTIPROC_DIR."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.api.conftest import AUTH
from tests.ops.promtext import parse_metrics, sample
from tests.support.databases import migrate
from tests.support.live_app import app_env
from tests.support.processes import start_api, terminate

ROUTE = {"method": "GET", "route": "/api/v1/orders/{order_id}", "status": "404"}


@pytest.mark.slow
def test_metrics_sum_requests_over_granian_workers(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'mp.db'}"
    migrate(db_url)
    metrics_dir = tmp_path / "prom"
    metrics_dir.mkdir()
    env = app_env(DATABASE_URL=db_url, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), RATE_LIMIT_ENABLED="false")
    proc, url = start_api(env, tmp_path, workers=2)
    try:

        def get(i: int) -> int:  # a new connection each time, 8 at once: both workers take some
            return httpx.get(f"{url}/api/v1/orders/order_{i:016d}", headers=AUTH).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(get, range(80))) == {404}
        totals = {
            sample(parse_metrics(httpx.get(url + "/metrics").text), "paygate_http_requests_total", **ROUTE)
            for _ in range(8)
        }
        assert totals == {80.0}
        files = sorted(p.name for p in metrics_dir.glob("counter_*.db"))
        host = socket.gethostname().replace("_", "-")
        assert len(files) == 2 and all(name.startswith(f"counter_{host}-") for name in files), files
    finally:
        assert terminate(proc) == 0
