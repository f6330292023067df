"""Every service package is under the import-linter contract that keeps services apart."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"common"}


def test_every_service_package_is_in_the_independence_contract():
    services = {
        path.parent.name
        for path in (ROOT / "services").glob("*/__init__.py")
        if path.parent.name not in KERNEL
    }
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    independent = next(c for c in contracts if c["type"] == "independence")
    forbidden_for_kernel = next(c for c in contracts if c["type"] == "forbidden")
    assert {m.removeprefix("services.") for m in independent["modules"]} == services
    assert {f"services.{name}" for name in services} <= set(
        forbidden_for_kernel["forbidden_modules"]
    )
