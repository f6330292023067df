"""A log entry: one accepted tally version as canonical JSON, the bytes its leaf hash binds.

Canonical JSON: keys sorted, no whitespace, UTF-8, integers only. The entry names the form
photos by sha256, so a log entry also binds the photos it was read from. Submission ids are
left out: they are ingest's internal UUIDs, and the photos are the public evidence.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from schemas.events import TallyAccepted

ENTRY_FORMAT = "rekap.tally.v1"


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tally_entry(event: TallyAccepted) -> str:
    """The canonical JSON of one tally version, as logged."""
    return canonical_json(
        {
            "format": ENTRY_FORMAT,
            "contest": event.contest,
            "tps": event.tps,
            "version": event.version,
            "values": event.values,
            "candidate_votes": {
                str(number): votes for number, votes in event.candidate_votes.items()
            },
            "decided_by": event.decided_by,
            "disputed": event.disputed,
            "photo_sha256s": sorted(event.photo_sha256s),
            "accepted_at": event.accepted_at.astimezone(UTC).isoformat(),
        }
    )


def is_canonical(entry: str) -> bool:
    """Whether `entry` is a JSON object written exactly as `canonical_json` writes it."""
    try:
        value = json.loads(entry)
    except ValueError:
        return False
    return isinstance(value, dict) and canonical_json(value) == entry
