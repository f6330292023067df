"""Millimetres on paper to pixels at a resolution."""

from __future__ import annotations

MM_PER_INCH = 25.4


def mm_to_px(value_mm: float, dpi: int) -> float:
    """A length or coordinate in millimetres as (fractional) pixels at `dpi`."""
    return value_mm * dpi / MM_PER_INCH


def mm_to_px_int(value_mm: float, dpi: int) -> int:
    """`mm_to_px` rounded to the nearest whole pixel, for pixel grids."""
    return round(mm_to_px(value_mm, dpi))


def pt_to_px(value_pt: float, dpi: int) -> int:
    """A font size in typographic points as whole pixels at `dpi`."""
    return max(1, round(value_pt * dpi / 72))
