"""Which markers a photo shows, and photos framed too badly to read: the form cut off at the
frame's edge, or so far away that it is tiny."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from schemas.form_layout import FormLayout
from simulation.camera import View
from simulation.phone import Photo, photograph
from simulation.units import mm_to_px

CUT_OFF = "cut_off"
FAR_AWAY = "far_away"


@dataclass(frozen=True)
class BadlyFramed:
    photo: Photo
    how: str
    """`cut_off` (one or two markers out of the frame) or `far_away` (the form is tiny)."""
    markers_visible: tuple[int, ...]


def visible_markers(view: View, layout: FormLayout, dpi: int) -> tuple[int, ...]:
    """The ids of the markers whose whole square (and quiet zone) lies inside the frame."""
    visible = []
    for marker in layout.markers.items:
        quiet = layout.markers.quiet_zone
        left, top = mm_to_px(marker.x - quiet, dpi), mm_to_px(marker.y - quiet, dpi)
        side = mm_to_px(marker.size + 2 * quiet, dpi)
        square = np.array(
            [[left, top], [left + side, top], [left + side, top + side], [left, top + side]]
        )
        if view.in_frame(square):
            visible.append(marker.id)
    return tuple(visible)


def badly_framed_photo(
    page: np.ndarray,
    layout: FormLayout,
    dpi: int,
    rng: random.Random,
    megapixels: float | None = None,
) -> BadlyFramed:
    """A photo of the RGB page (rendered at `dpi`) cut off so one or two markers fall outside
    the frame, or (a third of the time) taken from so far away that the form is tiny."""
    if rng.random() < 1 / 3:
        photo = photograph(page, rng, megapixels=megapixels, fill=(0.1, 0.22))
        return BadlyFramed(photo, FAR_AWAY, visible_markers(photo.view, layout, dpi))

    def two_or_three_visible(view: View) -> bool:
        return len(visible_markers(view, layout, dpi)) in (2, 3)

    photo = photograph(
        page,
        rng,
        megapixels=megapixels,
        fill=(0.9, 1.25),
        spill=0.3,
        accept_view=two_or_three_visible,
    )
    return BadlyFramed(photo, CUT_OFF, visible_markers(photo.view, layout, dpi))
