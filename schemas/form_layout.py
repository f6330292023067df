"""The printed result form, typed: where the markers, the QR code and every digit box are.

The layout ships as JSON in `schemas/forms/` (A4, millimetres, origin at the top-left corner
of the page, y downwards). `load_form_layout()` reads and checks it once per version.
The QR code on the form carries `RKP1|<contest>|<tps>|<page>`; `parse_qr_payload` and
`format_qr_payload` are the only code that should know that format.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, PositiveInt, model_validator

from schemas.events import QrPayload

FORM_NAME = "c-hasil-kwk"
QR_PREFIX = "RKP1"

Corner = Literal["top-left", "top-right", "bottom-right", "bottom-left"]

_CONTEST = re.compile(r"[^\s|]{1,40}")
_TPS = re.compile(r"[0-9]{13}")
_PAGE = re.compile(r"[1-9][0-9]*")


class _LayoutPart(BaseModel):
    """Frozen; keys that only explain the layout to a human (`note`, ...) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Rect(_LayoutPart):
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def grown(self, across: float, down: float) -> Rect:
        """This rectangle with `across` more on its left and right, `down` above and below."""
        return Rect(x=self.x - across, y=self.y - down, w=self.w + 2 * across, h=self.h + 2 * down)


class Page(_LayoutPart):
    width: float
    height: float
    orientation: Literal["portrait", "landscape"]

    def contains(self, rect: Rect) -> bool:
        return (
            rect.x >= 0 and rect.y >= 0 and rect.right <= self.width and rect.bottom <= self.height
        )


class Marker(_LayoutPart):
    """An ArUco marker; (x, y) is the top-left corner of its black square."""

    id: int
    corner: Corner
    x: float
    y: float
    size: float


class Markers(_LayoutPart):
    dictionary: str
    size: float
    quiet_zone: float
    items: tuple[Marker, ...]

    @model_validator(mode="before")
    @classmethod
    def _give_each_marker_the_common_size(cls, data: Any) -> Any:
        if isinstance(data, dict) and "size" in data:
            items = [{"size": data["size"], **item} for item in data.get("items", [])]
            return {**data, "items": items}
        return data

    @model_validator(mode="after")
    def _one_marker_per_corner(self) -> Markers:
        ids = sorted(marker.id for marker in self.items)
        if ids != [0, 1, 2, 3]:
            raise ValueError(f"the form needs markers with ids 0-3 exactly once, got {ids}")
        if len({marker.corner for marker in self.items}) != 4:
            raise ValueError("every corner of the form needs its own marker")
        return self


class QrCode(_LayoutPart):
    """The QR square (including its quiet zone) and the format of what it encodes."""

    x: float
    y: float
    size: float
    error_correction: Literal["L", "M", "Q", "H"]
    payload: str
    example: str

    @model_validator(mode="after")
    def _example_parses(self) -> QrCode:
        parse_qr_payload(self.example)
        return self


class PrintedText(_LayoutPart):
    """A region of printed text; row labels have no y or height of their own (one per row)."""

    what: str
    x: float
    w: float
    y: float | None = None
    h: float | None = None


class NumberBoxes(_LayoutPart):
    """The geometry every digit box shares, and how officers are told to write in them."""

    box_w: float
    box_h: float
    digits: PositiveInt
    line_width: float
    writing: str


class FormField(_LayoutPart):
    """One number on the form: a row of digit boxes, most significant digit first."""

    name: str
    section: str
    label: str
    x: float
    y: float
    digits: PositiveInt
    boxes: tuple[Rect, ...]

    @model_validator(mode="after")
    def _one_box_per_digit_from_the_field_corner(self) -> FormField:
        if len(self.boxes) != self.digits:
            raise ValueError(
                f"field {self.name!r} has {self.digits} digits but {len(self.boxes)} boxes"
            )
        if (self.boxes[0].x, self.boxes[0].y) != (self.x, self.y):
            raise ValueError(f"field {self.name!r} must start at its first box's top-left corner")
        return self

    @property
    def rect(self) -> Rect:
        """The smallest rectangle around all boxes of the field."""
        left, top = min(box.x for box in self.boxes), min(box.y for box in self.boxes)
        right, bottom = max(box.right for box in self.boxes), max(box.bottom for box in self.boxes)
        return Rect(x=left, y=top, w=right - left, h=bottom - top)


class FormLayout(_LayoutPart):
    form: str
    version: int
    title: str
    units: Literal["mm"]
    page: Page
    markers: Markers
    qr: QrCode
    printed_text: tuple[PrintedText, ...]
    number_boxes: NumberBoxes
    fields: tuple[FormField, ...]

    @model_validator(mode="after")
    def _fields_are_unique_and_on_the_page(self) -> FormLayout:
        names = self.field_names
        if duplicates := sorted({name for name in names if names.count(name) > 1}):
            raise ValueError(f"field names must be unique: {duplicates}")
        for field in self.fields:
            if not self.page.contains(field.rect):
                raise ValueError(f"field {field.name!r} lies outside the page")
        return self

    @property
    def field_names(self) -> tuple[str, ...]:
        """Every field name, in the order of the form."""
        return tuple(field.name for field in self.fields)

    def field(self, name: str) -> FormField:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"the form {self.form} v{self.version} has no field {name!r}")


def load_form_layout(version: int = 1) -> FormLayout:
    """The layout of the given version of the form, read from `schemas/forms/` and checked."""
    return _read_layout(version)


@cache
def _read_layout(version: int) -> FormLayout:
    resource = files("schemas") / "forms" / f"{FORM_NAME}.v{version}.json"
    if not resource.is_file():
        raise ValueError(f"no layout for version {version} of {FORM_NAME} in schemas/forms/")
    layout = FormLayout.model_validate(json.loads(resource.read_text(encoding="utf-8")))
    if (layout.form, layout.version) != (FORM_NAME, version):
        raise ValueError(f"{resource.name} describes {layout.form} v{layout.version}")
    return layout


def parse_qr_payload(text: str) -> QrPayload:
    """Read `RKP1|<contest>|<tps>|<page>`; raise ValueError saying what is wrong."""
    parts = text.split("|")
    if len(parts) != 4:
        raise ValueError(
            f"QR payload {text!r}: expected {QR_PREFIX}|<contest>|<tps>|<page>, "
            f"got {len(parts)} part(s)"
        )
    prefix, contest, tps, page = parts
    if prefix != QR_PREFIX:
        raise ValueError(f"QR payload {text!r}: starts with {prefix!r}, expected {QR_PREFIX!r}")
    if not _CONTEST.fullmatch(contest):
        raise ValueError(
            f"QR payload {text!r}: the contest code must be 1-40 characters without spaces"
        )
    if not _TPS.fullmatch(tps):
        raise ValueError(f"QR payload {text!r}: the TPS code must be 13 digits, got {tps!r}")
    if not _PAGE.fullmatch(page):
        raise ValueError(f"QR payload {text!r}: the page must be a positive integer, got {page!r}")
    return QrPayload(contest=contest, tps=tps, page=int(page))


def format_qr_payload(qr: QrPayload) -> str:
    """The text to encode in a form's QR code; raises ValueError if it would not parse back."""
    text = f"{QR_PREFIX}|{qr.contest}|{qr.tps}|{qr.page}"
    parse_qr_payload(text)
    return text


_LOOKS_LIKE_DIGIT = {
    **{letter: "0" for letter in "OoDQ"},
    **{letter: "1" for letter in "lIi|!"},
    **{letter: "2" for letter in "Zz"},
    **{letter: "5" for letter in "Ss"},
    "B": "8",
    "G": "6",
    "b": "6",
    "g": "9",
    "q": "9",
}
_DIGITISH = "0-9" + re.escape("".join(_LOOKS_LIKE_DIGIT))
_DIGIT_RUN = re.compile(rf"[{_DIGITISH}]+(?:(?<=[0-9])[ .,\-](?=[0-9])[{_DIGITISH}]+)*")
"""Digit-like characters; a space, dot, comma (a dot as Tesseract sometimes reads it) or dash
joins them only between two true digits."""
TPS_CODE_DIGITS = 13
MIN_TRUE_DIGITS_IN_CODE = 10
"""A run counts as a TPS code only if Tesseract read most of it as digits already, so that
words made of digit-like letters ("BOSS", "Silo") never turn into codes."""


def tps_codes_in_text(text: str) -> set[str]:
    """The 13-digit TPS codes in OCR'd printed text (the form's region block), allowing O for
    0, l for 1, spaces, dots, commas."""
    codes = set()
    for run in _DIGIT_RUN.findall(text):
        characters = [character for character in run if character not in " .,-"]
        true_digits = sum(character.isdigit() for character in characters)
        if len(characters) == TPS_CODE_DIGITS and true_digits >= MIN_TRUE_DIGITS_IN_CODE:
            codes.add("".join(_LOOKS_LIKE_DIGIT.get(c, c) for c in characters))
    return codes


_TPS_NUMBER = re.compile(r"\bTPS\s*(?:NO\.?|NOMOR)?\s*[:.]?\s*(\d{1,3})(?!\d)", re.IGNORECASE)
"""A TPS number as a region block prints it: "TPS : 067", "TPS No. 7", "TPS NOMOR 12"."""


def tps_numbers_in_text(text: str) -> set[int]:
    """The TPS numbers printed after "TPS" in OCR'd region block text (not the full codes)."""
    return {int(number) for number in _TPS_NUMBER.findall(text)}


def tps_number_of(code: str) -> int:
    """The TPS number of a TPS code: its last three digits."""
    return int(code[-3:])


def printed_tps_agrees(text: str, tps: str) -> bool | None:
    """Whether OCR'd region block text names the TPS of code `tps`: by its full code when the
    block prints codes, else by its number (the code's last three digits), as a block printed
    only with the layout's names and TPS number has it; None when it shows neither."""
    if codes := tps_codes_in_text(text):
        return tps in codes
    if numbers := tps_numbers_in_text(text):
        return tps_number_of(tps) in numbers
    return None
