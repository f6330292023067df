"""`rekap demo` as a new user runs it: it ends with published totals equal to the truth."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from services.demo import SUMMED_FIELDS
from tests.integration.test_embedded_stack import stack_env

pytestmark = pytest.mark.integration


def test_the_demo_publishes_only_what_equals_the_truth(tmp_path):
    env = stack_env(tmp_path / "var")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "demo", "--tps", "4", "--no-keep-running"],
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / "var" / "demo" / "summary.json").read_text())
    assert (summary["tps"], summary["photos"]) == (4, 8)
    assert summary["wrong_published_tps"] == []
    assert not set(summary["officers_mistakes"]) & set(summary["published_tps"])
    for name in SUMMED_FIELDS:
        assert summary["published_totals"][name] == summary["truth_of_published"].get(name, 0)
    assert "silent errors): 0" in done.stdout
