"""WEBHOOK_RETENTION_DAYS is read and checked like every setting (core/settings.py)."""

from __future__ import annotations

import pydantic
import pytest

from paygate_app.core.settings import Settings


def test_retention_setting_defaults_to_30_days_and_refuses_negative(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOK_RETENTION_DAYS", raising=False)
    assert Settings().webhook_retention_days == 30
    monkeypatch.setenv("WEBHOOK_RETENTION_DAYS", "0")
    assert Settings().webhook_retention_days == 0
    for bad in ("-1", "ten", "100000"):
        monkeypatch.setenv("WEBHOOK_RETENTION_DAYS", bad)
        with pytest.raises(pydantic.ValidationError, match="webhook_retention_days"):
            Settings()
