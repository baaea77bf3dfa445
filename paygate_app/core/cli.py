"""`python -m paygate_app.core.cli seed`: create the test merchant (idempotent)."""

from __future__ import annotations

import asyncio
import sys

from paygate_app.core.db import close_db
from paygate_app.core.merchants import seed_test_merchant
from paygate_app.core.settings import settings


async def _seed() -> None:
    settings.check_production()  # `migrate` runs first: refuse unsafe production settings there too
    if not settings.seed_test_merchant:
        print("not seeding the test merchant (SEED_TEST_MERCHANT=false, or production without SEED_TEST_MERCHANT=true)")
        return
    created = await seed_test_merchant()
    print("test merchant created" if created else "test merchant already present")
    await close_db()


def main(argv: list[str]) -> int:
    if argv[1:] == ["seed"]:
        asyncio.run(_seed())
        return 0
    print("usage: python -m paygate_app.core.cli seed", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
