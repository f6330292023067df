"""The bundled Jakarta reference data (see data/README.md), read into typed facts."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources

from services.common.masterdata.rows import RegionRow

DATA = resources.files("services.common.masterdata") / "data"


@dataclass(frozen=True)
class CandidatePair:
    number: int
    name: str
    sirekap_id: str
    sirekap_name: str
    colour: str


@dataclass(frozen=True)
class Registration:
    """The voter register (DPT) as KPU announced it: total, by sex, per kota, and the TPS cap."""

    dpt: int
    dpt_male: int
    dpt_female: int
    dpt_per_kota: Mapping[str, int]
    max_voters_per_tps: int


@dataclass(frozen=True)
class ElectionReference:
    """What a master-data plan is built from: regions, TPS counts and one contest's facts."""

    regions: tuple[RegionRow, ...]
    tps_per_kelurahan: Mapping[str, int]
    election_name: str
    polling_day: date
    province_code: str
    candidates: tuple[CandidatePair, ...]
    registration: Registration


def read_jakarta_reference() -> ElectionReference:
    election = json.loads((DATA / "jakarta_pilkada_2024.json").read_text(encoding="utf-8"))
    registration = election["registration"]
    return ElectionReference(
        regions=tuple(
            RegionRow(row["kode"], row["level"], row["name"], row["parent_kode"] or None)
            for row in read_csv("jakarta_regions.csv")
        ),
        tps_per_kelurahan={
            row["kode"]: int(row["tps_pilkada2024_estimate"])
            for row in read_csv("jakarta_tps_per_kelurahan.csv")
        },
        election_name=election["election"],
        polling_day=date.fromisoformat(election["polling_day"]),
        province_code=election["provinsi"]["kode"],
        candidates=tuple(
            CandidatePair(
                number=candidate["nomor_urut"],
                name=candidate["pair"],
                sirekap_id=candidate["sirekap_id"],
                sirekap_name=candidate["sirekap_name"],
                colour=candidate["sirekap_colour"],
            )
            for candidate in election["candidates"]
        ),
        registration=Registration(
            dpt=registration["dpt"],
            dpt_male=registration["dpt_male"],
            dpt_female=registration["dpt_female"],
            dpt_per_kota={kota["kode"]: kota["dpt"] for kota in election["per_kota"]},
            max_voters_per_tps=registration["max_voters_per_tps"],
        ),
    )


def read_csv(name: str) -> list[dict[str, str]]:
    text = (DATA / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))
