"""`rekap bench read`: speed and accuracy of the reader and the judge on simulated photos.

Photos come from the simulator with writers kept out of training (`HELD_OUT_WRITERS`), at
12 MP and at 3 MP, on forms printed as `rekap forms render` prints them or, in turn, by other
print shops (`OTHER_PRINTERS`). For each photo, in the same run on the same bytes: the time to
merely decode the JPEG (cv2.imdecode) to grayscale, the floor, since the reader needs no
colour, and to colour, as any program that shows the photo does; and the time of the whole
read, stage by stage; then the judge's verdict, scored against the simulation's truth. One
thread (`read_on_one_core`: OpenCV's and the BLAS under numpy's), so the rates are per core.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from services.ocr.reader import FormReader, read_on_one_core
from services.read_photos import judged_line
from simulation.masterdata import master_plan
from simulation.render import REKAP_PRINT, PrintStyle
from simulation.scenarios import DEFAULT_MIX, Kind, PhotoTruth, simulate_photo
from simulation.writers import HELD_OUT_WRITERS


@dataclass
class Score:
    photos: int = 0
    decode_s: list[float] = field(default_factory=list)
    decode_colour_s: list[float] = field(default_factory=list)
    read_s: list[float] = field(default_factory=list)
    stages: dict[str, list[float]] = field(default_factory=dict)
    boxes: int = 0
    boxes_right: int = 0
    fields: int = 0
    fields_right: int = 0
    fields_right_after_rules: int = 0
    boxes_right_after_rules: int = 0
    digits: int = 0
    digits_right: int = 0
    digits_right_after_rules: int = 0
    clean: int = 0
    clean_accepted: int = 0
    silent_errors: int = 0
    verdicts: Counter = field(default_factory=Counter)
    holding_clean_back: Counter = field(default_factory=Counter)
    clean_by_writer: Counter = field(default_factory=Counter)
    accepted_by_writer: Counter = field(default_factory=Counter)
    misreads: Counter = field(default_factory=Counter)
    """(written, read) box by box before the rules, a blank read shown as "_"."""
    silent_error_photos: list[str] = field(default_factory=list)


def run_bench(
    count: int,
    seed: int,
    megapixels: float,
    with_printed_text: bool = True,
    printers: Sequence[PrintStyle] = (REKAP_PRINT,),
    mix: Mapping[Kind, float] = DEFAULT_MIX,
) -> Score:
    """`count` photos, writers and `printers` taken in turn, kinds drawn from `mix`."""
    read_on_one_core()
    reader = FormReader(read_printed_text=with_printed_text)
    rng = random.Random(seed)
    kinds, weights = zip(*mix.items(), strict=True)
    score = Score()
    for index in range(count):
        writer = HELD_OUT_WRITERS[index % len(HELD_OUT_WRITERS)]
        kind = rng.choices(kinds, weights)[0]
        photo = simulate_photo(
            rng.randrange(2**40),
            _tps(rng),
            writer,
            kind,
            megapixels,
            printer=printers[index % len(printers)],
        )
        _score_one(score, reader, photo.jpeg, photo.truth, f"{seed}:{index}", writer.name)
    return score


def _score_one(
    score: Score, reader: FormReader, jpeg: bytes, truth: PhotoTruth, name: str, writer: str
):
    for mode, times in (
        (cv2.IMREAD_GRAYSCALE, score.decode_s),
        (cv2.IMREAD_COLOR, score.decode_colour_s),
    ):
        started = time.perf_counter()
        cv2.imdecode(np.frombuffer(jpeg, np.uint8), mode)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    reading = reader.read(jpeg)
    score.read_s.append(time.perf_counter() - started)
    for stage, seconds in reading.stage_seconds.items():
        score.stages.setdefault(stage, []).append(seconds)
    line = judged_line(Path(name), reading, reader.engine_version, truth.contest, truth.tps)
    score.photos += 1
    score.verdicts[f"{truth.kind}->{line['verdict']}"] += 1
    written = truth.written or {}
    if truth.kind in ("clean", "mistake") and reading.readable:
        for name_, field_reading in reading.fields.items():
            _count(score, written[name_], field_reading.value, after_rules=False)
            after = line["fields"].get(name_, {}).get("value")
            _count(score, written[name_], after, after_rules=True)
    if truth.kind == "clean":
        score.clean += 1
        score.clean_accepted += line["verdict"] == "accept"
        score.clean_by_writer[writer] += 1
        score.accepted_by_writer[writer] += line["verdict"] == "accept"
        if line["verdict"] == "review":
            score.holding_clean_back.update(_rules_named(line["reasons"]))
    if line["verdict"] == "accept" and not _accept_is_right(line, truth):
        score.silent_errors += 1
        score.silent_error_photos.append(name)


def _accept_is_right(line: dict, truth: PhotoTruth) -> bool:
    if truth.kind != "clean" or truth.values is None:
        return False
    accepted = {name: field["value"] for name, field in line["fields"].items()}
    return all(_same(accepted.get(name), value) for name, value in truth.values.items())


def _rules_named(reasons: list[str]) -> set[str]:
    """The rules of a verdict's reasons ("rule: explanation"), the constraint notes left out."""
    return {reason.split(":", 1)[0] for reason in reasons} - {"constraint"}


def _same(read: int | None, written: int | None) -> bool:
    return (read or 0) == (written or 0)


def _count(score: Score, written: str, value: int | None, *, after_rules: bool) -> None:
    """Box by box: the written characters against the value's digits, right-aligned; a
    leading blank and a leading 0 spell the same number, so they count as the same."""
    shown = "" if value is None else str(value)
    shown = shown.rjust(len(written)) if len(shown) <= len(written) else shown[-len(written) :]
    matches = [
        (a.strip() or "0") == (b.strip() or "0") for a, b in zip(written, shown, strict=True)
    ]
    right = sum(matches)
    digits_right = sum(match for char, match in zip(written, matches, strict=True) if char != " ")
    field_right = _same(value, int(written) if written.strip() else None)
    if after_rules:
        score.boxes_right_after_rules += right
        score.digits_right_after_rules += digits_right
        score.fields_right_after_rules += field_right
        return
    score.boxes += len(written)
    score.boxes_right += right
    score.digits += len(written.replace(" ", ""))
    score.digits_right += digits_right
    score.fields += 1
    score.fields_right += field_right
    score.misreads.update(
        (char.strip() or "_", read.strip() or "_")
        for char, read, match in zip(written, shown, matches, strict=True)
        if not match
    )


def _tps(rng: random.Random) -> str:
    stations = master_plan().tps
    return stations[rng.randrange(len(stations))].code


def report(label: str, score: Score) -> list[str]:
    def ms(values: list[float]) -> str:
        return f"{1000 * statistics.mean(values):.1f} ms"

    read_mean = statistics.mean(score.read_s)
    decode_mean = statistics.mean(score.decode_s)
    colour_mean = statistics.mean(score.decode_colour_s)
    lines = [
        f"== {label}: {score.photos} photos, held-out writers ==",
        f"read: {ms(score.read_s)} per photo = {1 / read_mean:.1f} photos/s per core",
        f"decode only (cv2.imdecode): to grayscale, the floor, {ms(score.decode_s)}, "
        f"read / decode = {read_mean / decode_mean:.1f}x; to colour {ms(score.decode_colour_s)}, "
        f"read / decode = {read_mean / colour_mean:.1f}x",
        "stages: " + ", ".join(f"{stage} {ms(values)}" for stage, values in score.stages.items()),
    ]
    if score.boxes:
        lines += [
            f"digit accuracy: {score.digits_right / score.digits:.4%} before the rules, "
            f"{score.digits_right_after_rules / score.digits:.4%} after "
            f"({score.digits} written digits)",
            f"box accuracy (digit or blank): {score.boxes_right / score.boxes:.4%} before the "
            f"rules, {score.boxes_right_after_rules / score.boxes:.4%} after ({score.boxes} boxes)",
            f"field accuracy: {score.fields_right / score.fields:.4%} before the rules, "
            f"{score.fields_right_after_rules / score.fields:.4%} after ({score.fields} fields)",
        ]
    if score.clean:
        lines.append(
            f"auto-accept of clean forms: {score.clean_accepted}/{score.clean} = "
            f"{score.clean_accepted / score.clean:.1%}"
        )
    if score.clean_by_writer:
        lines.append(
            "auto-accept by writer: "
            + ", ".join(
                f"{writer.removeprefix('heldout-')} {score.accepted_by_writer[writer]}/{clean}"
                for writer, clean in sorted(score.clean_by_writer.items())
            )
        )
    if score.misreads:
        lines.append(
            "most frequent misreads before the rules (written->read, boxes): "
            + ", ".join(f"{a}->{b} {n}" for (a, b), n in score.misreads.most_common(8))
        )
    if score.holding_clean_back:
        lines.append(
            "rules holding clean forms back (forms per rule): "
            + ", ".join(f"{rule} {n}" for rule, n in score.holding_clean_back.most_common())
        )
    lines.append(
        f"silent errors (accepted but wrong, or accepted a form that is not a clean one): "
        f"{score.silent_errors}" + (f" {score.silent_error_photos}" if score.silent_errors else "")
    )
    lines.append("verdicts: " + ", ".join(f"{k} {v}" for k, v in sorted(score.verdicts.items())))
    return lines
