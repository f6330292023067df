"""Forms printed to the layout by other print shops (other fonts, line widths, grey toner,
pages shrunk to fit and turned, photocopies) are read like ours, and never published wrong."""

import numpy as np
import pytest

from schemas.form_layout import load_form_layout, tps_codes_in_text
from services.ocr.reader import FormReader
from services.read_photos import judged_line
from simulation.render import OTHER_PRINTERS, header_for_tps, placed_on_paper, render_form
from simulation.scenarios import simulate_photo
from simulation.writers import writer_named

TPS = "3171011001002"
READER = FormReader()


@pytest.mark.parametrize("printer", OTHER_PRINTERS, ids=lambda printer: printer.name)
def test_a_form_from_another_print_shop_is_read(printer, tmp_path):
    simulated = simulate_photo(
        4100, TPS, writer_named("heldout-font-KaushanScript-Regular"), "clean", 8.0, printer=printer
    )
    reading = READER.read(simulated.jpeg)
    assert reading.readable, reading.unreadable_reason
    assert reading.qr is not None and reading.qr.tps == TPS
    assert TPS in tps_codes_in_text(reading.printed_region_text or "")
    written = simulated.truth.written or {}
    right = sum(
        (field.value or 0) == int(written[name].strip() or 0)
        for name, field in reading.fields.items()
    )
    assert right >= len(written) - 2
    line = judged_line(
        tmp_path / "photo.jpg", reading, READER.engine_version, simulated.truth.contest, TPS
    )
    if line["verdict"] == "accept":
        values = simulated.truth.values or {}
        assert {name: field["value"] or 0 for name, field in line["fields"].items()} == {
            name: value or 0 for name, value in values.items()
        }


def test_other_print_shops_print_what_they_say():
    layout, header = load_form_layout(), header_for_tps(TPS)
    laser, inkjet, copy = (
        np.array(render_form(layout, header, 150, printer)) for printer in OTHER_PRINTERS
    )
    assert inkjet.min() >= OTHER_PRINTERS[1].toner - 1  # grey toner, rounded down
    assert laser.min() == 0 and copy.min() < 100
    shrunk = placed_on_paper(laser, OTHER_PRINTERS[0])
    rows_with_print = np.nonzero((shrunk < 128).any(axis=1))[0]
    assert rows_with_print[0] > np.nonzero((laser < 128).any(axis=1))[0][0]
