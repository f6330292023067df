"""A consumer process that dies (no ack) in its handler: `python crashing_worker.py URL DURABLE
ACK_WAIT MARKER`. It writes the delivery it saw into MARKER, then exits abruptly."""

import asyncio
import os
import sys
from dataclasses import replace
from pathlib import Path

from schemas.events import PhotoReceived
from services.common.messaging.consume import build_consumer_broker
from services.common.messaging.topology import ConsumerSpec


async def main(url: str, durable: str, ack_wait: float, marker: Path) -> None:
    spec = replace(ConsumerSpec(durable, PhotoReceived), ack_wait_seconds=ack_wait, max_attempts=1)

    async def crash(event: PhotoReceived) -> None:
        marker.write_text(event.submission_id)
        os._exit(3)

    broker = build_consumer_broker(url, [(spec, crash)])
    await broker.start()
    await asyncio.sleep(30)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3]), Path(sys.argv[4])))
