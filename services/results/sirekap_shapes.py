"""The JSON shapes of Sirekap Pilkada's public object data, made from Rekap's numbers: pure.

Shapes as Sirekap served them for Pilkada 2024 (`sirekappilkada-obj-data.kpu.go.id`): saved
answers in github razanfawwaz/pilkada-scrap (`pkwkp/31/31.json`, `pkwkp/31/3171.json`,
`district/31/31.json`, `paslon/pkwkp.json`; commits 481f1a67, 9e11531a) and what public
scrapers read (mfikribp/scrap_data_gubernur_pilkada2024_, see tests/integration/
test_sirekap_mirror.py):

- region list, `/wilayah/pilkada/pkwkp/{...}.json`: `[{nama, id, kode, tingkat}]`, tingkat 1
  (provinsi) to 5 (TPS); `kode` is the Kemendagri code without dots, a TPS's is its 13 digits.
- aggregate, `/pilkada/hhcw/pkwkp/{...}.json`: `{mode, tungsura: {chart: {<candidate id>: votes,
  progres: {total, persen, progres}}, table: {<child kode>: {psu, <candidate id>: votes,
  progres, status_progress}}}, psu, progres: {total, progres}, ts}`; a child with nothing
  reported has no candidate keys and `status_progress: false`.
- TPS, `/pilkada/hhcw/pkwkp/{p}/{k}/{kc}/{kl}/{tps}.json`: `{mode, tungsura: {chart,
  administrasi}, psu, status_suara, status_adm, images, ts}`.
- candidates, `/pilkada/paslon/pkwkp.json`: `{<provinsi kode>: {<candidate id>: {ts, nama,
  warna, nomor_urut}}}`.

Where Rekap knows less than Sirekap, the mirror shows what Sirekap shows for "none": `psu` is
null at a TPS (no re-vote) and "Reguler" above it, as Sirekap shows for regular counts; a
candidate's `ts` is null (Rekap does not date its master data); a region's `id` is its code as
a number (Sirekap's internal ids are not public master data); a candidate without a Sirekap id
goes by its ballot number. Names are in capitals, as Sirekap writes them. `ts` is Jakarta time
(WIB) without a zone, as Sirekap writes it: a reported TPS's is when its tally was applied,
otherwise it is when the answer was made (Rekap's totals are live, not periodic snapshots).
`images` are the absolute URLs of the photos the TPS's tally was read from (one per officer who
uploaded), not one per form page. A TPS whose tally is disputed still counts in the totals, as
on Rekap's own feed; Sirekap has no field to say so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
REGULAR_COUNT = "Reguler"
TINGKAT_OF_LEVEL = {"provinsi": 1, "kota": 2, "kecamatan": 3, "kelurahan": 4}
TPS_TINGKAT = 5
SIREKAP_CODE_WIDTHS = (2, 4, 6, 10, 13)

ADMINISTRASI_FIELDS = {
    "suara_sah": "suara_sah",
    "suara_total": "suara_total",
    "pemilih_dpt_j": "dpt_jml",
    "pemilih_dpt_l": "dpt_l",
    "pemilih_dpt_p": "dpt_p",
    "pengguna_dpt_j": "pengguna_dpt_jml",
    "pengguna_dpt_l": "pengguna_dpt_l",
    "pengguna_dpt_p": "pengguna_dpt_p",
    "pengguna_dptb_j": "pengguna_dptb_jml",
    "pengguna_dptb_l": "pengguna_dptb_l",
    "pengguna_dptb_p": "pengguna_dptb_p",
    "suara_tidak_sah": "suara_tidak_sah",
    "pengguna_total_j": "pengguna_total_jml",
    "pengguna_total_l": "pengguna_total_l",
    "pengguna_total_p": "pengguna_total_p",
    "pengguna_non_dpt_j": "pengguna_dpk_jml",
    "pengguna_non_dpt_l": "pengguna_dpk_l",
    "pengguna_non_dpt_p": "pengguna_dpk_p",
}
"""Sirekap's `administrasi` keys, in Sirekap's order, and the form fields they show (Sirekap's
`non_dpt` voters are the form's DPK)."""


@dataclass(frozen=True)
class SirekapCandidate:
    number: int
    sirekap_id: str
    name: str
    colour: str | None


@dataclass(frozen=True)
class Progress:
    reported: int
    total: int

    def as_sirekap(self) -> dict[str, int | float]:
        percent = round(100 * self.reported / self.total, 2) if self.total else 0
        return {"total": self.total, "persen": percent, "progres": self.reported}


@dataclass(frozen=True)
class ChildTotals:
    """A row of an aggregate's table: a region or a TPS below it, with what it counted."""

    sirekap_code: str
    totals: Mapping[str, int]
    progress: Progress


def sirekap_code(code: str) -> str:
    """'31.71.01.1001' -> '3171011001'; a TPS code has no dots already."""
    return code.replace(".", "")


def dotted_code(sirekap_region_code: str) -> str:
    """'3171011001' -> '31.71.01.1001' (a region code of 2, 4, 6 or 10 digits)."""
    cuts = [width for width in SIREKAP_CODE_WIDTHS if width < len(sirekap_region_code)]
    starts = [0, *cuts]
    ends = [*cuts, len(sirekap_region_code)]
    return ".".join(sirekap_region_code[s:e] for s, e in zip(starts, ends, strict=True))


def codes_along_path(path: str) -> list[str] | None:
    """The codes of a Sirekap path like '31/3171/317101.json', outermost first; None unless
    every code extends the one before it with the width of the next level."""
    if not path.endswith(".json"):
        return None
    codes = path.removesuffix(".json").split("/")
    if len(codes) > len(SIREKAP_CODE_WIDTHS):
        return None
    for depth, code in enumerate(codes):
        parent = codes[depth - 1] if depth else ""
        if not (
            code.isdigit()
            and code.isascii()
            and len(code) == SIREKAP_CODE_WIDTHS[depth]
            and code.startswith(parent)
        ):
            return None
    return codes


def sirekap_timestamp(moment: datetime) -> str:
    """Jakarta time without a zone; a naive time is UTC (SQLite keeps no zone)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


def region_item(code: str, name: str, level: str) -> dict[str, object]:
    kode = sirekap_code(code)
    return {"nama": name.upper(), "id": int(kode), "kode": kode, "tingkat": TINGKAT_OF_LEVEL[level]}


def tps_item(tps_code: str, number: int) -> dict[str, object]:
    return {
        "nama": f"TPS {number:03d}",
        "id": int(tps_code),
        "kode": tps_code,
        "tingkat": TPS_TINGKAT,
    }


def candidate_votes(
    candidates: Sequence[SirekapCandidate], totals: Mapping[str, int]
) -> dict[str, int]:
    return {c.sirekap_id: totals.get(f"suara_paslon_{c.number}", 0) for c in candidates}


def table_row(candidates: Sequence[SirekapCandidate], child: ChildTotals) -> dict[str, object]:
    reported = child.progress.reported > 0
    return {
        "psu": REGULAR_COUNT,
        **(candidate_votes(candidates, child.totals) if reported else {}),
        "progres": child.progress.as_sirekap(),
        "status_progress": reported,
    }


def aggregate_node(
    candidates: Sequence[SirekapCandidate],
    totals: Mapping[str, int],
    progress: Progress,
    children: Sequence[ChildTotals],
    answered_at: datetime,
) -> dict[str, object]:
    """A provinsi, kota, kecamatan or kelurahan: its totals, and a row per child."""
    return {
        "mode": "hhcw",
        "tungsura": {
            "chart": {**candidate_votes(candidates, totals), "progres": progress.as_sirekap()},
            "table": {child.sirekap_code: table_row(candidates, child) for child in children},
        },
        "psu": REGULAR_COUNT,
        "progres": {"total": progress.total, "progres": progress.reported},
        "ts": sirekap_timestamp(answered_at),
    }


def tps_node(
    candidates: Sequence[SirekapCandidate],
    counted: Mapping[str, int] | None,
    image_urls: Sequence[str],
    updated_at: datetime,
) -> dict[str, object]:
    """One TPS: what its applied tally counted, or nulls while it has none."""
    reported = counted is not None
    return {
        "mode": "hhcw",
        "tungsura": {
            "chart": candidate_votes(candidates, counted) if reported else None,
            "administrasi": (
                {key: counted.get(field) for key, field in ADMINISTRASI_FIELDS.items()}
                if reported
                else None
            ),
        },
        "psu": None,
        "status_suara": reported,
        "status_adm": reported,
        "images": list(image_urls),
        "ts": sirekap_timestamp(updated_at),
    }


def paslon_list(
    candidates_by_provinsi: Mapping[str, Sequence[SirekapCandidate]],
) -> dict[str, dict[str, dict[str, object]]]:
    return {
        provinsi: {
            c.sirekap_id: {"ts": None, "nama": c.name, "warna": c.colour, "nomor_urut": c.number}
            for c in candidates
        }
        for provinsi, candidates in candidates_by_provinsi.items()
    }
