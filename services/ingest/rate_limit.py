"""Uploads per officer per minute, in a moving window (in memory: per ingest process)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from services.ingest.errors import TooManyUploads


class UploadRateLimiter:
    def __init__(self, uploads_per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(uploads_per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, officer_id: str) -> None:
        if self.limiter.hit(self.item, officer_id):
            return
        reset_at = self.limiter.get_window_stats(self.item, officer_id).reset_time
        wait = max(1, math.ceil(reset_at - time.time()))
        raise TooManyUploads(
            f"more than {self.item.amount} uploads in a minute from this officer; "
            f"wait {wait} s and try again",
            retry_after_seconds=wait,
        )
