"""`rekap read --json` as DESIGN.md specifies it, run as a command: one JSON line per photo,
in order, whatever the photo; a machine without Tesseract is told what to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.form_layout import load_form_layout
from simulation.scenarios import simulate_photo
from simulation.writers import HELD_OUT_WRITERS

pytestmark = pytest.mark.integration

TPS = "3171011001002"
OTHER_TPS = "3171011001003"
FIELD_KEYS = {"value", "confidence"}


def rekap_read(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", "read", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("photos")
    made = {
        "clean": simulate_photo(71, TPS, HELD_OUT_WRITERS[7], "clean", 6.0).jpeg,
        "other": simulate_photo(72, TPS, HELD_OUT_WRITERS[7], "other", 6.0).jpeg,
        "broken": simulate_photo(73, TPS, HELD_OUT_WRITERS[7], "clean", 6.0).jpeg[:5000],
        "text": b"not a photo at all",
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.jpg"
        paths[name].write_bytes(data)
    paths["missing"] = folder / "missing.jpg"
    return paths


def test_one_json_line_per_photo_in_order_with_a_verdict_for_each(photos):
    order = ["clean", "other", "broken", "text", "missing"]
    done = rekap_read(*(str(photos[name]) for name in order), "--json", "--tps", TPS)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["photo"] for line in lines] == [str(photos[name]) for name in order]
    for line in lines:
        assert set(line) == {"photo", "qr", "fields", "verdict", "reasons"}
        assert line["verdict"] in {"accept", "review", "reject"}
        assert all(set(field) == FIELD_KEYS for field in line["fields"].values())
    clean, *unreadable = lines
    assert clean["qr"] == {"contest": "PILGUB-31-2024", "tps": TPS, "page": 1}
    assert len(clean["fields"]) == len(load_form_layout().fields)
    assert clean["verdict"] in {"accept", "review"}
    for line in unreadable:
        assert line["verdict"] == "reject" and line["reasons"], line


def test_a_form_of_another_tps_is_not_accepted_for_the_uploader(photos):
    done = rekap_read(str(photos["clean"]), "--json", "--tps", OTHER_TPS)
    line = json.loads(done.stdout)
    assert line["verdict"] == "review"
    assert any(reason.startswith("qr_tps_is_uploaders") for reason in line["reasons"])


def test_without_tesseract_the_command_says_what_to_install(photos, tmp_path):
    python_only = tmp_path / "bin"
    python_only.mkdir()
    (python_only / "python").symlink_to(sys.executable)
    env = {**os.environ, "PATH": str(python_only)}
    done = rekap_read(str(photos["clean"]), "--json", env=env)
    assert done.returncode == 1
    assert "install tesseract-ocr" in " ".join(done.stderr.split())
    assert done.stdout == ""
