"""The few API calls the CLI makes (httpx), with one-line errors."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx


class ApiError(Exception):
    """One line: what failed and the server's error code/description."""


@dataclass
class Api:
    url: str
    key: str
    secret: str
    timeout: float = 10.0

    def __post_init__(self) -> None:
        headers = {"X-Api-Key": self.key, "X-Api-Secret": self.secret, "User-Agent": "paygate-cli"}
        self.http = httpx.Client(base_url=self.url.rstrip("/"), headers=headers, timeout=self.timeout)

    def call(self, method: str, path: str, json: dict | None = None) -> Any:
        try:
            response = self.http.request(method, path, json=json)
        except httpx.HTTPError as exc:
            raise ApiError(f"cannot reach {self.url}: {exc}") from None
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
                detail = f"{error['code']}: {error['description']}"
            except (ValueError, KeyError, TypeError):
                detail = response.text[:200]
            raise ApiError(f"{method} {path} -> {response.status_code} {detail}")
        return response.json()

    def wait_status(self, path: str, done: set[str], within: float = 60.0) -> dict:
        """Poll a resource until its status is in `done` (or raise after `within` seconds)."""
        deadline = time.monotonic() + within
        while True:
            body = self.call("GET", path)
            if body.get("status") in done:
                return body
            if time.monotonic() > deadline:
                raise ApiError(f"{path} still {body.get('status')} after {within:.0f} s")
            time.sleep(0.25)

    def close(self) -> None:
        self.http.close()
