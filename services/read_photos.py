"""`rekap read`: the reader and the judge of the services, offline (no broker, no database).

Master data comes from the bundled plan (the same data `rekap seed` loads). The uploader's
TPS is `--tps`; without it the form's own QR stands in for the uploader, so the QR-versus-
uploader check cannot fail, and a photo whose QR is unreadable goes to review.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from schemas.events import FormRead
from services.common.masterdata.plan import plan_jakarta_master_data
from services.ocr.reader import FormReader, FormReading
from services.validate.judge import judge
from services.validate.rules import TpsFacts

DEFAULT_CONTEST = "PILGUB-31-2024"


@cache
def _master_data() -> tuple[dict[str, tuple[int, int]], dict[str, int]]:
    plan = plan_jakarta_master_data()
    dpt = {tps.code: (tps.dpt_l, tps.dpt_p) for tps in plan.tps}
    candidates: dict[str, int] = {}
    for candidate in plan.candidates:
        candidates[candidate.contest_code] = candidates.get(candidate.contest_code, 0) + 1
    return dpt, candidates


def facts_for(tps: str, contest: str) -> TpsFacts | None:
    dpt, candidates = _master_data()
    if tps not in dpt or contest not in candidates:
        return None
    return TpsFacts(tps, contest, *dpt[tps], candidates[contest])


def read_photos(
    paths: list[Path], reader: FormReader, contest: str | None, tps: str | None
) -> Iterator[dict]:
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            yield _line(path, None, {}, "reject", [f"cannot open the file: {error.strerror}"])
            continue
        yield read_one(path, data, reader, contest, tps)


def read_one(
    path: Path, data: bytes, reader: FormReader, contest: str | None, tps: str | None
) -> dict:
    return judged_line(path, reader.read(data), reader.engine_version, contest, tps)


def judged_line(
    path: Path, reading: FormReading, engine_version: str, contest: str | None, tps: str | None
) -> dict:
    """The JSON line of `rekap read` for a reading: the judge's verdict and final values."""
    qr = reading.qr.model_dump() if reading.qr else None
    uploader_tps = tps or (reading.qr.tps if reading.qr else None)
    uploader_contest = contest or (reading.qr.contest if reading.qr else DEFAULT_CONTEST)
    read_fields = {
        name: {"value": field.value, "confidence": round(field.confidence, 6)}
        for name, field in reading.fields.items()
    }
    if not reading.readable:
        return _line(path, qr, read_fields, "reject", [reading.unreadable_reason or "unreadable"])
    facts = facts_for(uploader_tps, uploader_contest) if uploader_tps else None
    if facts is None:
        why = (
            f"TPS {uploader_tps} / contest {uploader_contest} is not in the master data"
            if uploader_tps
            else "qr_unreadable: the QR code cannot be read and no --tps was given"
        )
        return _line(path, qr, read_fields, "review", [why])
    verdict = judge(_as_event(reading, facts, engine_version), facts)
    fields = {
        name: {
            "value": value,
            "confidence": round(
                verdict.field_confidence.get(name, read_fields.get(name, {}).get("confidence", 0)),
                6,
            ),
        }
        for name, value in verdict.values.items()
    }
    return _line(path, qr, fields or read_fields, verdict.outcome, verdict.reasons)


def _as_event(reading: FormReading, facts: TpsFacts, engine_version: str) -> FormRead:
    return FormRead(
        submission_id="offline",
        photo_sha256="0" * 64,
        contest=facts.contest,
        tps=facts.tps,
        officer_id="offline",
        engine_version=engine_version,
        readable=reading.readable,
        unreadable_reason=reading.unreadable_reason,
        qr=reading.qr,
        printed_region_text=reading.printed_region_text,
        fields=reading.fields,
        read_at=datetime.now(UTC),
    )


def _line(path: Path, qr, fields: dict, verdict: str, reasons: list[str]) -> dict:
    return {"photo": str(path), "qr": qr, "fields": fields, "verdict": verdict, "reasons": reasons}
