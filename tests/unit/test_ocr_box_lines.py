"""The printed box lines are erased as strips of their own width, placed by their own ink: a
digit's stroke that runs beside a line keeps its ink, and nothing of the lines is left."""

import cv2
import numpy as np
import pytest

from schemas.form_layout import load_form_layout
from services.ocr.boxes import BOX_PX_PER_MM, box_lines, fields_area

LAYOUT = load_form_layout()
AREA = fields_area(LAYOUT)
FIELD = LAYOUT.fields[0]


def px(mm: float, origin: float) -> int:
    return round((mm - origin) * BOX_PX_PER_MM)


def printed_boxes(shift_px: int = 0, tilt_px: int = 0) -> np.ndarray:
    """Darkness (0 paper, 1 black) of the fields area with every box line printed 2 px wide,
    the whole print moved down by `shift_px` and turned so it drops `tilt_px` over the area."""
    height = round(AREA.h * BOX_PX_PER_MM)
    width = round(AREA.w * BOX_PX_PER_MM)
    page = np.zeros((height, width), np.float32)
    for field in LAYOUT.fields:
        rect = field.rect
        left, right = px(rect.x, AREA.x), px(rect.right, AREA.x)
        top, bottom = px(rect.y, AREA.y), px(rect.bottom, AREA.y)
        cv2.rectangle(page, (left, top), (right, bottom), 1.0, 2)
        for box in field.boxes[1:]:
            cv2.line(page, (px(box.x, AREA.x), top), (px(box.x, AREA.x), bottom), 1.0, 2)
    turn = np.float32([[1, 0, 0], [tilt_px / width, 1, shift_px]])
    return cv2.warpAffine(page, turn, (width, height))


def lines_erased(darkness: np.ndarray) -> np.ndarray:
    """The darkness relative to the print's black with the lines `box_lines` finds removed, as
    the reader cuts glyphs from it."""
    relative, lines = box_lines(darkness, LAYOUT.fields, AREA)
    return np.where(lines, 0.0, relative)


@pytest.mark.parametrize(("shift_px", "tilt_px"), [(0, 0), (2, 0), (-2, 3)])
def test_nothing_of_the_printed_lines_is_left(shift_px, tilt_px):
    print_only = cv2.GaussianBlur(printed_boxes(shift_px, tilt_px), (0, 0), 0.7)
    assert (lines_erased(print_only) > 0.28).sum() == 0


def test_the_bar_of_a_seven_under_the_top_line_and_a_stem_beside_a_side_line_keep_their_ink():
    page = printed_boxes()
    box = FIELD.boxes[1]
    top, left, right = px(box.y, AREA.y), px(box.x, AREA.x), px(box.right, AREA.x)
    bar_row = top + 3  # touching the 2 px line below it
    page[bar_row : bar_row + 2, left + 4 : right - 4] = 1.0  # the bar of a 7, 5 mm long
    stem_column = px(FIELD.boxes[2].right, AREA.x) - 5  # a 1 written along the right line
    page[top + 6 : top + 44, stem_column : stem_column + 2] = 1.0
    darkness = cv2.GaussianBlur(page, (0, 0), 0.7)
    erased = lines_erased(darkness)
    bar = erased[bar_row : bar_row + 2, left + 4 : right - 4]
    stem = erased[top + 6 : top + 44, stem_column : stem_column + 2]
    assert (bar > 0.28).mean() > 0.8
    assert (stem > 0.28).mean() > 0.9
