"""Ring the queue for webhook logs already in the database, as the app does after writing them.

REDIS_URL=... python -m bench.enqueue < ids.txt
"""

from __future__ import annotations

import asyncio
import sys


async def main() -> None:
    from paygate_app.core.jobs import JobKind, ring
    from tasks.broker import broker

    await broker.startup()
    print("ready", flush=True)  # imports and connection done before the clock starts
    ids = (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)).split()
    try:
        for i in range(0, len(ids), 500):
            await asyncio.gather(*(ring(JobKind.DELIVER_WEBHOOK, x) for x in ids[i : i + 500]))
    finally:
        await broker.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
