"""Printable forms for a TPS, a kelurahan or a kota: one PDF (a page per TPS) and PNGs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PIL import Image

from schemas.form_layout import load_form_layout
from services.common.masterdata.rows import TpsRow
from simulation.masterdata import tps_in_scope
from simulation.pdf import render_pdf
from simulation.render import header_for_tps, render_form


def render_forms(scope: str, out_dir: Path, dpi: int = 300) -> list[Path]:
    """Render the blank forms of every TPS in `scope` (a 13-digit TPS code, or a region code:
    `31.71.01.1001`, `3171011001`, `31.71.01`, `31.71`) into `out_dir`.

    Writes `forms-<scope>.pdf` with one page per TPS, in code order, and `<tps code>.png` per
    TPS; returns the paths written, the PDF first.
    """
    stations = tps_in_scope(scope)
    if not stations:
        raise ValueError(f"no TPS in {scope!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs: list[Path] = []
    pdf = render_pdf(
        _pages_saving_pngs(stations, out_dir, dpi, pngs),
        out_dir / f"forms-{scope.strip()}.pdf",
        dpi,
    )
    return [pdf, *pngs]


def _pages_saving_pngs(
    stations: tuple[TpsRow, ...], out_dir: Path, dpi: int, pngs: list[Path]
) -> Iterator[Image.Image]:
    layout = load_form_layout()
    for station in stations:
        page = render_form(layout, header_for_tps(station.code), dpi)
        png = out_dir / f"{station.code}.png"
        page.save(png, dpi=(dpi, dpi))
        pngs.append(png)
        yield page
