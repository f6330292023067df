"""A minimal PDF writer that streams pages to disk: one lossless image per page.

Pillow's PDF export holds every page in memory first; a kota's forms (thousands of A4 pages at
300 dpi) do not fit, so pages are compressed and written one at a time.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from PIL import Image

POINTS_PER_INCH = 72
_COLOUR_SPACES = {"L": b"/DeviceGray", "RGB": b"/DeviceRGB"}
_CATALOG, _PAGE_TREE = 1, 2


class _PdfObjects:
    """Numbered objects written in order, remembering where each starts for the xref table."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offsets: dict[int, int] = {}
        self.next_number = _PAGE_TREE + 1
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def reserve(self) -> int:
        self.next_number += 1
        return self.next_number - 1

    def write(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.out.tell()
        self.out.write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self.out.write(b"\nstream\n" + stream + b"\nendstream")
        self.out.write(b"\nendobj\n")

    def finish(self) -> None:
        xref_at = self.out.tell()
        size = max(self.offsets) + 1
        self.out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            self.out.write(b"%010d 00000 n \n" % self.offsets[number])
        self.out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (size, _CATALOG))
        self.out.write(b"startxref\n%d\n%%%%EOF\n" % xref_at)


def render_pdf(pages: Iterable[Image.Image], path: Path, dpi: int = 300) -> Path:
    """Write the pages (mode "L" or "RGB", each `dpi` dots per inch) as one PDF at `path`."""
    with Path(path).open("wb") as out:
        pdf = _PdfObjects(out)
        page_numbers = [_write_page(pdf, page, dpi) for page in pages]
        if not page_numbers:
            raise ValueError("a PDF needs at least one page")
        kids = b" ".join(b"%d 0 R" % number for number in page_numbers)
        pdf.write(
            _PAGE_TREE, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_numbers))
        )
        pdf.write(_CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % _PAGE_TREE)
        pdf.finish()
    return Path(path)


def _write_page(pdf: _PdfObjects, page: Image.Image, dpi: int) -> int:
    if page.mode not in _COLOUR_SPACES:
        raise ValueError(f"PDF pages must be grayscale (L) or RGB, got mode {page.mode}")
    width_pt = page.width * POINTS_PER_INCH / dpi
    height_pt = page.height * POINTS_PER_INCH / dpi
    image, contents, page_number = pdf.reserve(), pdf.reserve(), pdf.reserve()
    pixels = zlib.compress(page.tobytes(), 6)
    pdf.write(
        image,
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>"
        % (page.width, page.height, _COLOUR_SPACES[page.mode], len(pixels)),
        pixels,
    )
    drawing = b"q %.3f 0 0 %.3f 0 0 cm /Page Do Q" % (width_pt, height_pt)
    pdf.write(contents, b"<< /Length %d >>" % len(drawing), drawing)
    pdf.write(
        page_number,
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.3f %.3f] "
        b"/Resources << /XObject << /Page %d 0 R >> >> /Contents %d 0 R >>"
        % (_PAGE_TREE, width_pt, height_pt, image, contents),
    )
    return page_number
