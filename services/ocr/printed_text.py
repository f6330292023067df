"""Reading the printed region block with Tesseract (printed text is what it is good at).

Tesseract's time goes by the line (about 13 ms each; fewer pixels barely help), so the block is
read line by line from the bottom, where the layout lists the TPS, and reading stops at a line
that prints the QR's TPS code: one line instead of five on most forms. Only a full code stops
it: a TPS number alone agrees with a sticker of that number from another kelurahan. Without a
QR, or when no line names the QR's TPS, every line is read, as the whole block was before.

Tesseract gets the block in grayscale and binarizes it itself: an adaptive threshold of ours
broke thin printed strokes and cost about one code in ten on phone photos. When the block's
text does not name the TPS of the form's QR, the block is read once more, larger and from
every pixel of the photo: a misread digit of the printed code would otherwise send a good form
to review as a swapped sticker, while a sticker really from another TPS reads the other code
both times.

Two ways to run the same Tesseract (`text_reader`): in this process through tesserocr, which
loads the model once per thread, or as a child process per call through pytesseract, which
loads it again for every block (about 90 ms a call before reading anything, more than the rest
of a whole read). tesserocr ships wheels for Linux and Windows; elsewhere pytesseract and the
`tesseract` program do the work. Either runs Tesseract on one thread: with OpenMP threads it
is slower on a busy machine, not faster.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytesseract
from PIL import Image

from schemas.form_layout import FormLayout, Rect, printed_tps_agrees, tps_codes_in_text
from services.ocr.page import PageGeometry

TEXT_PX_PER_MM = 6.0
"""The first read: Tesseract's time grows with the pixels, and at 8 px/mm it took about 30 ms
more on a 12 MP photo while the two reads together found the printed code no more often."""
SECOND_READ_PX_PER_MM = 12.0
LINE_DARKNESS = 0.25
"""Darker than the paper around it by this share: ink of a printed line."""
LINE_MIN_INK_PX = 3
LINE_MIN_ROWS = 6
"""1 mm at 6 px/mm: printed lines are 2.5 mm high and more; thinner runs are specks or rules."""
LINE_PAD_ROWS = 4
LINE_SIDE_COLUMNS = 6
"""Ink this close to the block's left and right edges is not counted: a frame drawn around the
block would put ink in every row."""
BLOCK_MARGIN_MM = 2.5
"""The block is cut this much taller than the layout draws it, above and below: on a page that
does not lie flat its lines can sit a millimetre or two off (`alignment`). Printing that this
margin catches from outside the block reaches into the cut from its edge, and a line that
touches the top or bottom edge is no line of the block."""
TESSERACT_TIMEOUT_SECONDS = 5
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TextReader = Callable[[np.ndarray], str | None]
"""Grayscale pixels of printed text in, the text out (None when Tesseract fails or times out)."""


def region_block(layout: FormLayout) -> Rect:
    """The page rectangle cut to read the region block: the layout's, `BLOCK_MARGIN_MM` taller
    above and below (its lines run well short of its left and right edges)."""
    for block in layout.printed_text:
        if block.what.startswith("region block") and block.y is not None and block.h is not None:
            return Rect(x=block.x, y=block.y, w=block.w, h=block.h).grown(0, BLOCK_MARGIN_MM)
    raise ValueError("the layout has no region block")


def read_region_block(
    photo: np.ndarray,
    geometry: PageGeometry,
    layout: FormLayout,
    read_text: TextReader,
    qr_tps: str | None = None,
    all_pixels: Callable[[], tuple[np.ndarray, PageGeometry]] | None = None,
) -> str | None:
    """The block's text as `read_text` reads it: with the QR's TPS code, only the line that
    prints that code where one does (`_read_lines`). A text that does not name the QR's TPS (by
    code, or by number where the block prints no code) is read again at a larger scale (from
    `all_pixels()` when given: the photo decoded whole), and the second text is kept if it
    names the QR's TPS."""
    block = region_block(layout)
    text = _read_lines(geometry.warp(photo, block, TEXT_PX_PER_MM), read_text, qr_tps)
    if qr_tps is None or printed_tps_agrees(text or "", qr_tps):
        return text
    if all_pixels is not None:
        photo, geometry = all_pixels()
    again = read_text(geometry.warp(photo, block, SECOND_READ_PX_PER_MM))
    return again if printed_tps_agrees(again or "", qr_tps) else text


def _read_lines(gray: np.ndarray, read_text: TextReader, qr_tps: str | None) -> str | None:
    """The block's lines read bottom up: the first line printing `qr_tps`'s code, else every
    line's text, top to bottom."""
    texts = []
    for top, bottom in reversed(text_line_rows(gray) or [(0, gray.shape[0])]):
        text = read_text(gray[max(0, top - LINE_PAD_ROWS) : bottom + LINE_PAD_ROWS])
        if text and qr_tps is not None and qr_tps in tps_codes_in_text(text):
            return text
        texts.append(text)
    return "\n".join(text for text in reversed(texts) if text) or None


def text_line_rows(gray: np.ndarray) -> list[tuple[int, int]]:
    """The rows (first, past last) of each printed line of a block, top to bottom: runs of
    rows with ink, ink being darker than the paper around it (a closing lifts the paper's
    uneven light), that stay clear of the top and bottom edges (a run that touches one is
    printing from outside the block, cut). A frame around the block is no line: its sides are
    left out, and its top and bottom are thinner than text."""
    pixels = gray.astype(np.float32)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))
    paper = cv2.morphologyEx(pixels, cv2.MORPH_CLOSE, kernel)
    inked = (paper - pixels) / np.maximum(paper, 1.0) > LINE_DARKNESS
    inner = inked[:, LINE_SIDE_COLUMNS : inked.shape[1] - LINE_SIDE_COLUMNS]
    rows = np.concatenate([[False], inner.sum(axis=1) >= LINE_MIN_INK_PX, [False]])
    edges = np.flatnonzero(rows[1:] != rows[:-1])
    starts, ends = edges[::2], edges[1::2]
    return [
        (int(start), int(end))
        for start, end in zip(starts, ends, strict=True)
        if end - start >= LINE_MIN_ROWS and start > 0 and end < len(gray)
    ]


def text_reader() -> TextReader:
    """Tesseract in this process when tesserocr is installed, else a `tesseract` process;
    `TesseractMissing` when Tesseract or its English model is not installed."""
    models = tessdata_dir()
    try:
        import tesserocr
    except ImportError:
        return tesseract_process
    return InProcessTesseract(tesserocr, models)


def tesseract_process(gray: np.ndarray) -> str | None:
    try:
        text = pytesseract.image_to_string(
            gray, lang="eng", config="--psm 6", timeout=TESSERACT_TIMEOUT_SECONDS
        )
    except (RuntimeError, pytesseract.TesseractError, OSError):
        return None
    return text.strip() or None


class InProcessTesseract:
    """Tesseract through tesserocr, with one engine per thread (an engine is not thread-safe),
    its English model read from `models`."""

    def __init__(self, tesserocr, models: Path) -> None:
        self._tesserocr = tesserocr
        self._models = models
        self._engines = threading.local()

    def __call__(self, gray: np.ndarray) -> str | None:
        engine = self._engine()
        try:
            engine.SetImage(Image.fromarray(gray))
            if not engine.Recognize(timeout=TESSERACT_TIMEOUT_SECONDS * 1000):
                return None
            return engine.GetUTF8Text().strip() or None
        except RuntimeError:
            return None

    def _engine(self):
        engine = getattr(self._engines, "engine", None)
        if engine is None:
            engine = self._tesserocr.PyTessBaseAPI(
                path=str(self._models), lang="eng", psm=self._tesserocr.PSM.SINGLE_BLOCK
            )
            self._engines.engine = engine
        return engine


class TesseractMissing(RuntimeError):
    """Tesseract or its English model is not installed (Debian: apt install tesseract-ocr)."""


@cache
def tessdata_dir() -> Path:
    """The folder of Tesseract's models, as the installed `tesseract` reports it."""
    try:
        listed = subprocess.run(
            [pytesseract.pytesseract.tesseract_cmd, "--list-langs"],
            capture_output=True,
            text=True,
            timeout=TESSERACT_TIMEOUT_SECONDS,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise TesseractMissing(
            f"cannot run `tesseract --list-langs` ({type(error).__name__}): install "
            "tesseract-ocr (scripts/setup does)"
        ) from None
    found = re.search(r'languages in "([^"]+)"', listed.stdout + listed.stderr)
    if found is None or "eng" not in listed.stdout.split():
        raise TesseractMissing("Tesseract's English model is missing: install tesseract-ocr-eng")
    return Path(found.group(1))
