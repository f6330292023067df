"""Simulated uploads with their ground truth: one photo from a seed, or a whole set on disk.

Kinds of photo: `clean` (a correctly filled form), `mistake` (the officer's arithmetic breaks a
rule), `other` (not the form at all), `badly_framed` (markers cut off, or the form tiny) and
`qr_damaged` (a sticker or scribble over the QR code).
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from schemas.form_layout import load_form_layout
from simulation.framing import badly_framed_photo, visible_markers
from simulation.handwriting import Writer, fill_form
from simulation.masterdata import candidate_count, master_plan, tps_row
from simulation.other_things import other_thing_photo
from simulation.phone import photograph
from simulation.qr_damage import damage_qr
from simulation.render import REKAP_PRINT, PrintStyle, header_for_tps, placed_on_paper, render_form
from simulation.tally import random_tally, with_officer_mistake
from simulation.writers import TRAINING_WRITERS

Kind = Literal["clean", "mistake", "other", "badly_framed", "qr_damaged"]
KINDS: tuple[Kind, ...] = get_args(Kind)
DEFAULT_MIX: Mapping[Kind, float] = {
    "clean": 0.7,
    "mistake": 0.12,
    "other": 0.06,
    "badly_framed": 0.06,
    "qr_damaged": 0.06,
}
PAGE_DPI = 300
TRUTH_FILE = "truth.jsonl"


@dataclass(frozen=True)
class PhotoTruth:
    """What is really in a simulated photo. `tps` and `contest` are the uploading officer's
    (and the form's, except for `other`); `values` are the numbers on the form as the officer
    wrote them (mistake included; None for a blank row, and no values for `other`); `written`
    is each field's boxes, one character per box, a space when blank."""

    seed: int
    kind: Kind
    tps: str
    contest: str
    page: int
    writer: str | None
    values: dict[str, int | None] | None
    written: dict[str, str] | None
    mistake: str | None
    correct_values: dict[str, int | None] | None
    qr_damage: str | None
    framing: str | None
    markers_visible: tuple[int, ...]
    what_else: str | None
    megapixels: float | None
    effects: dict[str, Any]
    photo_seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SimulatedPhoto:
    jpeg: bytes
    truth: PhotoTruth


def simulate_photo(
    seed: int,
    tps_code: str,
    writer: Writer,
    kind: Kind = "clean",
    megapixels: float | None = None,
    photo_seed: int | None = None,
    printer: PrintStyle = REKAP_PRINT,
) -> SimulatedPhoto:
    """One phone photo of the form of `tps_code`, filled by `writer`; the same arguments always
    give the same bytes. `megapixels` (2-12) is drawn at random when None. `seed` fixes the
    form (its tally and handwriting); a `photo_seed` of its own gives another photo of the
    same form (the TPS's other officer), else the photo follows from `seed` too. `printer`
    prints the form (ours by default)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    rng = random.Random(seed)
    camera = rng if photo_seed is None else random.Random(photo_seed)
    layout = load_form_layout()
    header = header_for_tps(tps_code)
    common: dict[str, Any] = {
        "seed": seed,
        "kind": kind,
        "tps": tps_code,
        "contest": header.contest_code,
        "page": 1,
        "megapixels": megapixels,
        "photo_seed": photo_seed,
    }
    if kind == "other":
        photo, what = other_thing_photo(camera, megapixels)
        truth = PhotoTruth(
            **common,
            writer=None,
            values=None,
            written=None,
            mistake=None,
            correct_values=None,
            qr_damage=None,
            framing=None,
            markers_visible=(),
            what_else=what,
            effects=asdict(photo.effects),
        )
        return SimulatedPhoto(photo.jpeg, truth)

    station = tps_row(tps_code)
    correct = random_tally(rng, station.dpt_l, station.dpt_p, candidate_count(header.contest_code))
    values, mistake = with_officer_mistake(correct, rng) if kind == "mistake" else (correct, None)
    filled = fill_form(_blank_page(tps_code, printer), layout, values, writer, rng, PAGE_DPI)
    qr_damage = damage_qr(filled.pixels, layout, PAGE_DPI, rng) if kind == "qr_damaged" else None
    sheet = placed_on_paper(filled.pixels, printer)
    framing = None
    if kind == "badly_framed":
        framed = badly_framed_photo(sheet, layout, PAGE_DPI, camera, megapixels)
        photo, framing = framed.photo, framed.how
    else:
        photo = photograph(sheet, camera, megapixels=megapixels)
    truth = PhotoTruth(
        **common,
        writer=writer.name,
        values=values,
        written=filled.written,
        mistake=mistake,
        correct_values=correct if mistake else None,
        qr_damage=qr_damage,
        framing=framing,
        markers_visible=visible_markers(photo.view, layout, PAGE_DPI),
        what_else=None,
        effects=asdict(photo.effects),
    )
    return SimulatedPhoto(photo.jpeg, truth)


def simulate_set(
    out_dir: Path,
    count: int,
    seed: int,
    writers: Sequence[Writer] = TRAINING_WRITERS,
    mix: Mapping[Kind, float] = DEFAULT_MIX,
    megapixels: float | None = None,
) -> Path:
    """Write `count` photos `0000.jpg`, `0001.jpg`, ... into `out_dir` and their truth, one JSON
    object per line in order, into `truth.jsonl` (each with a `photo` file name); returns the
    truth file. TPS, writer and kind are drawn per photo; each photo's own seed is in its
    truth, so `simulate_photo` can remake any one of them."""
    if unknown := set(mix) - set(KINDS):
        raise ValueError(f"unknown kinds in mix: {sorted(unknown)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    draw = random.Random(seed)
    stations = master_plan().tps
    kinds = list(mix)
    truth_path = out_dir / TRUTH_FILE
    with truth_path.open("w", encoding="utf-8") as truth_file:
        for index in range(count):
            name = f"{index:04d}.jpg"
            simulated = simulate_photo(
                seed=draw.getrandbits(48),
                tps_code=draw.choice(stations).code,
                writer=draw.choice(writers),
                kind=draw.choices(kinds, weights=[mix[kind] for kind in kinds])[0],
                megapixels=megapixels,
            )
            (out_dir / name).write_bytes(simulated.jpeg)
            line = {"photo": name, **simulated.truth.to_json()}
            truth_file.write(json.dumps(line, ensure_ascii=False) + "\n")
    return truth_path


@lru_cache(maxsize=8)
def _blank_page(tps_code: str, printer: PrintStyle) -> np.ndarray:
    """The printed form of a TPS at `PAGE_DPI`, grayscale, read-only (shared between photos)."""
    page = np.array(render_form(load_form_layout(), header_for_tps(tps_code), PAGE_DPI, printer))
    page.setflags(write=False)
    return page
