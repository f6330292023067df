"""The font files the simulation draws with: a clean sans for print, handwriting for digits."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
PRINT_FONT = "DejaVuSans.ttf"
PRINT_FONT_BOLD = "DejaVuSans-Bold.ttf"


@cache
def find_font(file_name: str) -> Path:
    """The installed font file of that name; FileNotFoundError names the package to install."""
    for directory in FONT_DIRS:
        for found in sorted(directory.rglob(file_name)):
            return found
    raise FileNotFoundError(
        f"font {file_name!r} is not installed: scripts/setup installs the Debian font "
        "packages the simulation prints and writes with"
    )


@cache
def font(file_name: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(find_font(file_name)), size_px)


def print_font(size_px: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    return font(PRINT_FONT_BOLD if bold else PRINT_FONT, size_px)
