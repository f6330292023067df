"""Master data as plain, immutable rows: one field per column of the table it is loaded into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REGION_LEVELS = ("provinsi", "kota", "kecamatan", "kelurahan")
"""From the top down: a region's parent is one level above it."""


@dataclass(frozen=True)
class RegionRow:
    code: str
    level: str
    name: str
    parent_code: str | None


@dataclass(frozen=True)
class TpsRow:
    code: str
    kelurahan_code: str
    number: int
    dpt_l: int
    dpt_p: int

    @property
    def dpt(self) -> int:
        return self.dpt_l + self.dpt_p


@dataclass(frozen=True)
class ContestRow:
    code: str
    name: str
    region_code: str
    polling_day: date


@dataclass(frozen=True)
class CandidateRow:
    contest_code: str
    number: int
    name: str
    sirekap_id: str | None
    sirekap_name: str | None
    colour: str | None


@dataclass(frozen=True)
class OfficerRow:
    id: str
    tps_code: str
    slot: int
    name: str


@dataclass(frozen=True)
class ReviewerRow:
    id: str
    kelurahan_code: str
    name: str


@dataclass(frozen=True)
class MasterDataPlan:
    """Everything `rekap seed` writes; regions come parents first."""

    regions: tuple[RegionRow, ...]
    tps: tuple[TpsRow, ...]
    contests: tuple[ContestRow, ...]
    candidates: tuple[CandidateRow, ...]
    officers: tuple[OfficerRow, ...]
    reviewers: tuple[ReviewerRow, ...]
