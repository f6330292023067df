"""The blank C.Hasil-KWK form of one TPS, drawn to the official layout at any resolution.

Geometry (markers, QR square, digit boxes) is placed exactly where the layout says, in mm from
the page's top-left corner; the printed text (title, region block, row labels, section
headers) stays inside the layout's text rectangles and is only a help for humans.

A `PrintStyle` draws what the layout leaves open the way another print shop would: other
fonts, thicker or thinner box lines, grey toner, the TPS code written with dots, the page
shrunk to fit the printer's margins and turned a little, or photocopied. The reader must read
them all (`OTHER_PRINTERS`), not only the forms this module draws by default.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_H, ERROR_CORRECT_L, ERROR_CORRECT_M, ERROR_CORRECT_Q

from schemas.events import QrPayload
from schemas.form_layout import FormField, FormLayout, Rect, format_qr_payload
from simulation.fonts import PRINT_FONT, PRINT_FONT_BOLD, font
from simulation.header import FormHeader, header_for_tps
from simulation.units import mm_to_px, mm_to_px_int, pt_to_px

__all__ = [
    "OTHER_PRINTERS",
    "REKAP_PRINT",
    "FormHeader",
    "PrintStyle",
    "header_for_tps",
    "mm_to_px",
    "page_size_px",
    "placed_on_paper",
    "render_form",
]

BLACK = 0
WHITE = 255
QR_QUIET_MODULES = 4
_ERROR_CORRECTION = {
    "L": ERROR_CORRECT_L,
    "M": ERROR_CORRECT_M,
    "Q": ERROR_CORRECT_Q,
    "H": ERROR_CORRECT_H,
}
SECTION_TITLES = {
    "I": "I. DATA PEMILIH DAN PENGGUNA HAK PILIH",
    "II": "II. DATA PENGGUNAAN SURAT SUARA",
    "III": "III. DATA PEMILIH DISABILITAS",
    "IV": "IV. RINCIAN PEROLEHAN SUARA SAH PASANGAN CALON",
    "V": "V. JUMLAH SUARA SAH DAN TIDAK SAH",
}
COLUMN_TITLES = {"_l": "L", "_p": "P", "_jml": "JML"}


@dataclass(frozen=True)
class PrintStyle:
    """How one print shop renders the layout.

    `line_mm`: box line width (None: the layout's). `toner`: grey level of the print (0 is
    black). `dotted_code`: the TPS code as Kemendagri writes it, 31.71.01.1001.002.
    `fit_to_page`: the scale a printer's "fit to page" shrinks the page by, about its centre.
    `turn_deg`: how crooked the page went through the printer. `photocopy`: printed once, then
    copied: blurred, darker, with toner specks."""

    name: str
    font_file: str = PRINT_FONT
    bold_font_file: str = PRINT_FONT_BOLD
    line_mm: float | None = None
    toner: int = BLACK
    dotted_code: bool = False
    fit_to_page: float = 1.0
    turn_deg: float = 0.0
    photocopy: bool = False

    def font(self, size_px: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        return font(self.bold_font_file if bold else self.font_file, size_px)


REKAP_PRINT = PrintStyle("rekap")
OTHER_PRINTERS = (
    PrintStyle(
        "office-laser",
        font_file="LiberationSerif-Regular.ttf",
        bold_font_file="LiberationSerif-Bold.ttf",
        line_mm=0.5,
        dotted_code=True,
        fit_to_page=0.96,
    ),
    PrintStyle(
        "low-toner-inkjet",
        font_file="LiberationSansNarrow-Regular.ttf",
        bold_font_file="LiberationSansNarrow-Bold.ttf",
        line_mm=0.2,
        toner=95,
        turn_deg=0.6,
    ),
    PrintStyle(
        "photocopy",
        font_file="DejaVuSerif.ttf",
        bold_font_file="DejaVuSerif-Bold.ttf",
        line_mm=0.6,
        dotted_code=True,
        fit_to_page=0.94,
        turn_deg=-0.8,
        photocopy=True,
    ),
)
"""Print shops other than ours, for tests and `rekap bench read --printers other`."""


def page_size_px(layout: FormLayout, dpi: int) -> tuple[int, int]:
    """(width, height) of the page in whole pixels at `dpi`; A4 at 300 dpi is 2480x3508."""
    return mm_to_px_int(layout.page.width, dpi), mm_to_px_int(layout.page.height, dpi)


def render_form(
    layout: FormLayout, header: FormHeader, dpi: int = 300, style: PrintStyle = REKAP_PRINT
) -> Image.Image:
    """The printed, unfilled form of one TPS as a white grayscale ("L") page, in `style`'s
    fonts, lines and toner (its placing on the sheet is `placed_on_paper`)."""
    page = Image.new("L", page_size_px(layout, dpi), WHITE)
    draw = ImageDraw.Draw(page)
    _draw_title(draw, layout, header, dpi, style)
    _draw_region_block(draw, layout, header, dpi, style)
    _draw_sections_and_row_labels(draw, layout, dpi, style)
    pixels = np.array(page)
    for marker in layout.markers.items:
        _paste_square(pixels, _aruco_marker(marker.id), marker.x, marker.y, marker.size, dpi)
    qr_text = format_qr_payload(QrPayload(contest=header.contest_code, tps=header.tps_code, page=1))
    _paste_square(
        pixels,
        _qr_modules(qr_text, layout.qr.error_correction),
        layout.qr.x,
        layout.qr.y,
        layout.qr.size,
        dpi,
    )
    line_mm = style.line_mm or layout.number_boxes.line_width
    for field in layout.fields:
        for box in field.boxes:
            _draw_box_outline(pixels, box, line_mm, dpi)
    return Image.fromarray(_printed_ink(pixels, style, dpi, seed=header.tps_code))


def placed_on_paper(pixels: np.ndarray, style: PrintStyle) -> np.ndarray:
    """A page (filled or not) as `style`'s printer placed it on the sheet: shrunk to fit the
    margins and turned a little, about the centre. Applied to the filled page, since officers
    write in the boxes where they were printed."""
    if style.fit_to_page == 1.0 and not style.turn_deg:
        return pixels
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), style.turn_deg, style.fit_to_page)
    paper = (WHITE,) * (pixels.shape[2] if pixels.ndim == 3 else 1)
    return cv2.warpAffine(pixels, turn, (width, height), flags=cv2.INTER_AREA, borderValue=paper)


def _printed_ink(pixels: np.ndarray, style: PrintStyle, dpi: int, seed: str) -> np.ndarray:
    """The drawn page in `style`'s toner, photocopied if it is a copy."""
    if style.toner == BLACK and not style.photocopy:
        return pixels
    if style.photocopy:
        rng = np.random.default_rng(random.Random(f"{style.name} {seed}").getrandbits(32))
        pixels = cv2.GaussianBlur(pixels, (0, 0), 0.06 * dpi / 25.4)
        pixels = np.clip((pixels.astype(np.float32) - 40) * 1.25, 0, 255).astype(np.uint8)
        specks = rng.random(pixels.shape) < 2e-4
        pixels[cv2.dilate(specks.astype(np.uint8), np.ones((2, 2), np.uint8)) > 0] = 60
    ink = (WHITE - pixels.astype(np.float32)) * (WHITE - style.toner) / WHITE
    return (WHITE - ink).astype(np.uint8)


def _aruco_marker(marker_id: int) -> np.ndarray:
    """The marker's cells (4x4 bits plus the one-cell black border), one pixel per cell."""
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    return cv2.aruco.generateImageMarker(dictionary, marker_id, 6, borderBits=1)


def _qr_modules(text: str, error_correction: str) -> np.ndarray:
    """The QR symbol with its quiet zone, one pixel per module."""
    code = qrcode.QRCode(
        error_correction=_ERROR_CORRECTION[error_correction], border=QR_QUIET_MODULES
    )
    code.add_data(text)
    code.make(fit=True)
    dark = np.array(code.get_matrix(), dtype=bool)
    return np.where(dark, BLACK, WHITE).astype(np.uint8)


def _paste_square(
    pixels: np.ndarray, cells: np.ndarray, x_mm: float, y_mm: float, size_mm: float, dpi: int
) -> None:
    """Scale a grid of cells onto the page so it covers exactly the given square."""
    left, top = mm_to_px_int(x_mm, dpi), mm_to_px_int(y_mm, dpi)
    side = mm_to_px_int(x_mm + size_mm, dpi) - left
    pixels[top : top + side, left : left + side] = cv2.resize(
        cells, (side, side), interpolation=cv2.INTER_NEAREST
    )


def _draw_box_outline(pixels: np.ndarray, box: Rect, line_mm: float, dpi: int) -> None:
    """The box's four edges as lines `line_mm` wide, centred on its geometric edges."""
    half = line_mm / 2

    def span(start_mm: float, end_mm: float) -> slice:
        start = mm_to_px_int(start_mm, dpi)
        return slice(start, max(mm_to_px_int(end_mm, dpi), start + 1))

    rows, cols = span(box.y - half, box.bottom + half), span(box.x - half, box.right + half)
    pixels[span(box.y - half, box.y + half), cols] = BLACK
    pixels[span(box.bottom - half, box.bottom + half), cols] = BLACK
    pixels[rows, span(box.x - half, box.x + half)] = BLACK
    pixels[rows, span(box.right - half, box.right + half)] = BLACK


def _text_rect(layout: FormLayout, starts_with: str) -> tuple[float, float, float, float]:
    for part in layout.printed_text:
        if part.what.startswith(starts_with) and part.y is not None and part.h is not None:
            return part.x, part.y, part.w, part.h
    raise ValueError(f"the layout has no printed text block {starts_with!r}")


def _fitting_font(
    draw: ImageDraw.ImageDraw,
    text: str,
    size_pt: float,
    width_px: float,
    dpi: int,
    style: PrintStyle,
    *,
    bold: bool,
) -> ImageFont.FreeTypeFont:
    """The print font at `size_pt`, or smaller until `text` fits `width_px`."""
    size = pt_to_px(size_pt, dpi)
    face = style.font(size, bold=bold)
    while size > 4 and draw.textlength(text, font=face) > width_px:
        size -= 1
        face = style.font(size, bold=bold)
    return face


def _draw_title(
    draw: ImageDraw.ImageDraw, layout: FormLayout, header: FormHeader, dpi: int, style: PrintStyle
) -> None:
    x, y, w, _ = _text_rect(layout, "title")
    name, _, subtitle = layout.title.partition(": ")
    lines = (
        (name, 13, True, 5.0),
        (subtitle.upper(), 8.5, False, 10.0),
        (header.contest_name, 8.5, False, 14.5),
        (f"Kode pemilihan: {header.contest_code}", 8.5, False, 19.0),
    )
    width_px = mm_to_px(w, dpi)
    for text, size_pt, bold, baseline_mm in lines:
        face = _fitting_font(draw, text, size_pt, width_px, dpi, style, bold=bold)
        origin = (mm_to_px(x, dpi), mm_to_px(y + baseline_mm, dpi))
        draw.text(origin, text, fill=BLACK, font=face, anchor="ls")


def _draw_region_block(
    draw: ImageDraw.ImageDraw, layout: FormLayout, header: FormHeader, dpi: int, style: PrintStyle
) -> None:
    x, y, w, h = _text_rect(layout, "region block")
    code = header.tps_code
    tps = (
        f"{header.tps_number:03d}    Kode TPS {code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:10]}."
        f"{code[10:]}"
        if style.dotted_code
        else f"{header.tps_number:03d}    KODE TPS: {code}"
    )
    rows = (
        ("PROVINSI", header.provinsi),
        ("KABUPATEN/KOTA", header.kota),
        ("KECAMATAN", header.kecamatan),
        ("KELURAHAN/DESA", header.kelurahan),
        ("TPS", tps),
    )
    pitch = h / len(rows)
    value_x = x + 36
    face = style.font(pt_to_px(9.5, dpi))
    for index, (label, value) in enumerate(rows):
        middle = mm_to_px(y + pitch * (index + 0.5), dpi)
        draw.text((mm_to_px(x, dpi), middle), label, fill=BLACK, font=face, anchor="lm")
        draw.text((mm_to_px(value_x - 3, dpi), middle), ":", fill=BLACK, font=face, anchor="lm")
        value_font = _fitting_font(
            draw, value, 9.5, mm_to_px(x + w - value_x, dpi), dpi, style, bold=False
        )
        draw.text((mm_to_px(value_x, dpi), middle), value, fill=BLACK, font=value_font, anchor="lm")


def _row_label(fields: list[FormField]) -> str:
    """The label of a row: the fields' label, without the L/P/JML column of a three-column row."""
    label = fields[0].label
    if len(fields) > 1:
        for title in COLUMN_TITLES.values():
            label = label.removesuffix(f" {title}")
    return label


def _rows(layout: FormLayout) -> list[list[FormField]]:
    """The fields grouped into printed rows (same section, same top edge), in form order."""
    rows: list[list[FormField]] = []
    for field in layout.fields:
        if rows and (rows[-1][0].section, rows[-1][0].y) == (field.section, field.y):
            rows[-1].append(field)
        else:
            rows.append([field])
    return rows


def _draw_sections_and_row_labels(
    draw: ImageDraw.ImageDraw, layout: FormLayout, dpi: int, style: PrintStyle
) -> None:
    labels = next(part for part in layout.printed_text if part.what.startswith("row labels"))
    sections_seen: set[str] = set()
    for fields in _rows(layout):
        first = fields[0]
        if first.section not in sections_seen:
            sections_seen.add(first.section)
            _draw_section_header(draw, fields, labels.x, dpi, style)
        _draw_row_label(draw, _row_label(fields), labels.x, first.rect, labels.w, dpi, style)


def _draw_section_header(
    draw: ImageDraw.ImageDraw, first_row: list[FormField], x_mm: float, dpi: int, style: PrintStyle
) -> None:
    """The section's title above its first row, and L / P / JML over a three-column row."""
    baseline = mm_to_px(first_row[0].y - 2.0, dpi)
    title = SECTION_TITLES.get(first_row[0].section, first_row[0].section)
    title_font = style.font(pt_to_px(9, dpi), bold=True)
    draw.text((mm_to_px(x_mm, dpi), baseline), title, fill=BLACK, font=title_font, anchor="ls")
    if len(first_row) == 1:
        return
    column_font = style.font(pt_to_px(8, dpi), bold=True)
    for field in first_row:
        suffix = next((s for s in COLUMN_TITLES if field.name.endswith(s)), "")
        centre = mm_to_px(field.rect.x + field.rect.w / 2, dpi)
        text = COLUMN_TITLES.get(suffix, "")
        draw.text((centre, baseline), text, fill=BLACK, font=column_font, anchor="ms")


def _draw_row_label(
    draw: ImageDraw.ImageDraw,
    text: str,
    x_mm: float,
    row: Rect,
    width_mm: float,
    dpi: int,
    style: PrintStyle,
) -> None:
    """The label in one line or two balanced lines, vertically centred on the row of boxes."""
    width_px = mm_to_px(width_mm, dpi)
    size = pt_to_px(8, dpi)
    while True:
        face = style.font(size)
        lines = _in_two_lines(draw, text, face, width_px)
        widest = max(draw.textlength(line, font=face) for line in lines)
        if widest <= width_px or size <= pt_to_px(5, dpi):
            break
        size -= 1
    line_height = size * 1.2
    top = mm_to_px(row.y + row.h / 2, dpi) - line_height * len(lines) / 2
    for index, line in enumerate(lines):
        middle = top + line_height * (index + 0.5)
        draw.text((mm_to_px(x_mm, dpi), middle), line, fill=BLACK, font=face, anchor="lm")


def _in_two_lines(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width_px: float
) -> list[str]:
    """`text` as one line if it fits, else split at the word break that balances two lines."""
    words = text.split()
    if len(words) < 2 or draw.textlength(text, font=font) <= width_px:
        return [text]
    splits = [[" ".join(words[:index]), " ".join(words[index:])] for index in range(1, len(words))]
    return min(splits, key=lambda pair: max(draw.textlength(line, font=font) for line in pair))
