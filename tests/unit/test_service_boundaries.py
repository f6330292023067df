"""Every service package is under the import-linter contracts that keep services apart."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KERNEL = {"common"}


def contract(name_start: str) -> dict:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "contracts"
    ]
    return next(c for c in contracts if c["name"].startswith(name_start))


def test_every_service_package_is_in_the_contracts():
    services = {
        f"services.{path.parent.name}"
        for path in (ROOT / "services").glob("*/__init__.py")
        if path.parent.name not in KERNEL
    }
    assert set(contract("Services never import each other")["modules"]) == services
    assert services <= set(contract("The kernel and the schemas")["forbidden_modules"])
    assert services <= set(contract("Services never depend on the simulator")["source_modules"])
