import pytest

from services.ingest.errors import TooManyUploads
from services.ingest.rate_limit import UploadRateLimiter


def test_each_officer_has_their_own_window():
    limiter = UploadRateLimiter(uploads_per_minute=3)
    for _ in range(3):
        limiter.check("KPPS-1")
    with pytest.raises(TooManyUploads) as refused:
        limiter.check("KPPS-1")
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 60
    limiter.check("KPPS-2")
