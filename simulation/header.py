"""What is printed on one TPS's form besides the layout: contest, TPS and region names."""

from __future__ import annotations

from dataclasses import dataclass

from simulation.masterdata import contest_for, region, tps_row


@dataclass(frozen=True)
class FormHeader:
    contest_code: str
    contest_name: str
    tps_code: str
    tps_number: int
    provinsi: str
    kota: str
    kecamatan: str
    kelurahan: str


def header_for_tps(tps_code: str) -> FormHeader:
    """The header of the form of that TPS, from the Jakarta master data."""
    tps = tps_row(tps_code)
    contest = contest_for(tps)
    kelurahan = region(tps.kelurahan_code)
    kecamatan = region(kelurahan.parent_code or "")
    kota = region(kecamatan.parent_code or "")
    provinsi = region(kota.parent_code or "")
    return FormHeader(
        contest_code=contest.code,
        contest_name=contest.name,
        tps_code=tps.code,
        tps_number=tps.number,
        provinsi=provinsi.name,
        kota=kota.name,
        kecamatan=kecamatan.name,
        kelurahan=kelurahan.name,
    )
