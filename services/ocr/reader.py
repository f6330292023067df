"""The reader: a photo's bytes in, the form's QR, printed region text and numbers out.

decode (EXIF-upright, reduced scale) -> find the four corner markers -> read the QR where
the layout puts it -> read the printed region block (Tesseract) -> cut and clean every digit
box -> classify each box -> combine boxes into field values with probabilities. Pure: no
broker, no database; the `ocr` worker and `rekap read` both call `FormReader.read`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import cv2
import numpy as np
from threadpoolctl import threadpool_limits

from schemas.events import DigitAlternative, FieldReading, QrPayload
from schemas.form_layout import FormLayout, load_form_layout
from services.ocr.boxes import cut_digit_boxes
from services.ocr.decode import DecodedPhoto, UndecodablePhoto, decode_sized
from services.ocr.digits import DigitClassifier, load_classifier
from services.ocr.fields import field_values
from services.ocr.page import MarkerFinder, PageGeometry, PageNotFound
from services.ocr.printed_text import read_region_block, text_reader
from services.ocr.qr import read_qr

READER_VERSION = "reader-6"
MIN_PX_PER_MM = 4.0
"""Below this the digits and the QR lose detail: decode the photo again with more pixels.
(A digit box is then still about 30 pixels wide, more than the classifier's 28; reading 12 MP
photos at 5 px/mm instead decoded most of them twice and read no digit more right.)"""


def read_on_one_core() -> None:
    """Run OpenCV and the BLAS under numpy's matrix products on one thread each, for the whole
    process. Reading scales by reading more photos at once (more copies of the ocr service):
    a second BLAS thread took a 12 MP read from 210 to 196 ms but its CPU time from 210 to
    375 ms, the threads spinning while they wait on each other."""
    cv2.setNumThreads(1)
    threadpool_limits(limits=1)


@dataclass(frozen=True)
class FormReading:
    readable: bool
    unreadable_reason: str | None = None
    qr: QrPayload | None = None
    printed_region_text: str | None = None
    fields: dict[str, FieldReading] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)


class FormReader:
    def __init__(
        self,
        layout: FormLayout | None = None,
        classifier: DigitClassifier | None = None,
        read_printed_text: bool = True,
    ) -> None:
        self.layout = layout or load_form_layout()
        self.classifier = classifier or load_classifier()
        self.markers = MarkerFinder(self.layout)
        self.read_text = text_reader() if read_printed_text else None

    @property
    def engine_version(self) -> str:
        return f"{READER_VERSION}+digits-{self.classifier.version}"

    def read(self, data: bytes) -> FormReading:
        stages: dict[str, float] = {}
        try:
            with _timed(stages, "decode"):
                decoded = decode_sized(data)
            with _timed(stages, "markers"):
                geometry = self.markers.locate(decoded.pixels)
            with _timed(stages, "decode_again"):
                photo, geometry = sharp_enough(data, decoded, geometry)
        except (UndecodablePhoto, PageNotFound) as reason:
            return FormReading(False, str(reason), stage_seconds=stages)
        except cv2.error:
            return FormReading(False, "the photo could not be processed", stage_seconds=stages)
        with _timed(stages, "qr"):
            qr = read_qr(photo, geometry, self.layout)
        printed = None
        if self.read_text is not None:
            with _timed(stages, "printed_text"):
                printed = read_region_block(
                    photo,
                    geometry,
                    self.layout,
                    self.read_text,
                    qr.tps if qr else None,
                    lambda: every_pixel(data, decoded.full_long_side, photo, geometry),
                )
        with _timed(stages, "boxes"):
            crops = cut_digit_boxes(photo, geometry, self.layout)
        with _timed(stages, "digits"):
            probabilities = self.classifier.probabilities(
                crops.glyphs, crops.ink_fraction, crops.frames
            )
        with _timed(stages, "fields"):
            fields = self._fields(probabilities, crops.box_px)
        return FormReading(True, None, qr, printed, fields, stages)

    def _fields(self, probabilities: np.ndarray, box_px) -> dict[str, FieldReading]:
        readings, start = {}, 0
        for form_field in self.layout.fields:
            end = start + form_field.digits
            values = field_values(probabilities[start:end])
            readings[form_field.name] = FieldReading(
                value=values.value,
                confidence=min(1.0, values.confidence),
                alternatives=[
                    DigitAlternative(value=value, probability=min(1.0, probability))
                    for value, probability in zip(
                        values.values[1:], values.probabilities[1:], strict=True
                    )
                ],
                box_px=box_px[start:end],
            )
            start = end
        return readings


def sharp_enough(
    data: bytes, decoded: DecodedPhoto, geometry: PageGeometry
) -> tuple[np.ndarray, PageGeometry]:
    """The pixels to read from: the decoded photo, or, when the page is small in it, the
    photo decoded again with more pixels (up to all of them)."""
    if geometry.px_per_mm() >= MIN_PX_PER_MM or not decoded.reduced:
        return decoded.pixels, geometry
    wanted = max(decoded.pixels.shape) * MIN_PX_PER_MM / geometry.px_per_mm()
    return decoded_again(data, round(wanted), decoded.full_long_side, decoded.pixels, geometry)


def every_pixel(
    data: bytes, full_long_side: int, photo: np.ndarray, geometry: PageGeometry
) -> tuple[np.ndarray, PageGeometry]:
    """The photo decoded whole, for small print that reduced pixels blur (`photo` itself when
    it is whole already)."""
    if max(photo.shape) >= full_long_side:
        return photo, geometry
    return decoded_again(data, full_long_side, full_long_side, photo, geometry)


def decoded_again(
    data: bytes, long_side: int, max_long_side: int, photo: np.ndarray, geometry: PageGeometry
) -> tuple[np.ndarray, PageGeometry]:
    """The photo decoded at another size, with `geometry` (found on `photo`) scaled to it."""
    again = decode_sized(data, long_side=long_side, max_long_side=max_long_side)
    factor = max(again.pixels.shape) / max(photo.shape)
    return again.pixels, geometry.scaled(factor, again.pixels.shape)


@contextmanager
def _timed(stages: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        stages[stage] = time.perf_counter() - started
