"""A contest's results in NIST SP 1500-100 v2, the election results common data format (JSON
flavour), built from plain values: pure, no database.

How Rekap's contest maps onto the format (checked against NIST's JSON Schema, a copy of which
is in `services/results/nist/`):

- The contest is a `CandidateContest` for one seat (`VotesAllowed` and `NumberElected` 1). Each
  candidate pair is one `CandidateSelection` whose `CandidateIds` are the pair's two people,
  governor first (`IsTopTicket`), as the format does for tickets; Sirekap's id of the pair is
  each person's `ExternalIdentifier`. Pairs run for coalitions that master data does not hold,
  so there are no `Party` objects.
- Every reporting unit is a `ReportingUnit` in `GpUnit`: provinsi `state`, kota/kabupaten
  `county`, kecamatan `township`, kelurahan/desa `village` and TPS `precinct`, each with its
  Kemendagri (or TPS) code as a national-level `ExternalIdentifier` and the units right below
  it in `ComposingGpUnitIds`. `TotalSubUnits`/`SubUnitsReported` count TPS; `VotersRegistered`
  is the DPT of master data; `VotersParticipated` the voters of the reported forms.
- `VoteCounts` (type `total`) per pair per unit where at least one TPS has reported.
- Invalid votes: v2's `OtherCounts` holds only overvotes, undervotes and write-ins, and none of
  them is Indonesia's *suara tidak sah* (blank and spoiled ballots together, not told apart on
  the form). So each reporting unit's ballots go in the election's `BallotCounts`:
  `BallotsCast` = suara_total, `BallotsRejected` = suara_tidak_sah.
- A TPS's `CountStatus` says whether its tally is in (`completed`), disputed (`in-process`: a
  later upload contradicts it and a reviewer has yet to decide; it still counts, as on Rekap's
  own feed) or not reported yet (`not-processed`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

LANGUAGE = "id"
ISSUER = "Rekap"
UNIT_TYPE_OF_LEVEL = {
    "provinsi": "state",
    "kota": "county",
    "kecamatan": "township",
    "kelurahan": "village",
    "tps": "precinct",
}
PAIR_SEPARATOR = re.compile(r"\s+[-\u2013]\s+")


@dataclass(frozen=True)
class Pair:
    number: int
    name: str
    sirekap_id: str | None


@dataclass(frozen=True)
class ContestFacts:
    code: str
    name: str
    region_code: str
    polling_day: date
    pairs: Sequence[Pair]


@dataclass(frozen=True)
class UnitCounts:
    """A region (dotted Kemendagri code) or a TPS (13 digits) and the sum of the applied
    tallies below it: form fields, `tps_reported` and `tps_disputed`."""

    code: str
    level: str
    name: str
    parent_code: str | None
    tps_total: int
    registered_voters: int
    totals: Mapping[str, int]

    def count(self, item: str) -> int:
        return self.totals.get(item, 0)


def gp_unit_id(code: str) -> str:
    return f"gp-{code}"


def text(content: str) -> dict[str, object]:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [
            {"@type": "ElectionResults.LanguageString", "Content": content, "Language": LANGUAGE}
        ],
    }


def identifier(value: str, label: str) -> dict[str, str]:
    return {
        "@type": "ElectionResults.ExternalIdentifier",
        "Type": "national-level",
        "Value": value,
        "Label": label,
    }


def tps_status(unit: UnitCounts) -> str:
    if not unit.count("tps_reported"):
        return "not-processed"
    return "in-process" if unit.count("tps_disputed") else "completed"


def reporting_unit(unit: UnitCounts, composing_ids: Sequence[str]) -> dict[str, object]:
    is_tps = unit.level == "tps"
    described: dict[str, object] = {
        "@id": gp_unit_id(unit.code),
        "@type": "ElectionResults.ReportingUnit",
        "Type": UNIT_TYPE_OF_LEVEL[unit.level],
        "Name": text(unit.name),
        "ExternalIdentifier": [identifier(unit.code, "KPU TPS" if is_tps else "Kemendagri")],
        "TotalSubUnits": unit.tps_total,
        "SubUnitsReported": unit.count("tps_reported"),
        "VotersRegistered": unit.registered_voters,
        "VotersParticipated": unit.count("pengguna_total_jml"),
    }
    if composing_ids:
        described["ComposingGpUnitIds"] = list(composing_ids)
    if is_tps:
        described["CountStatus"] = [
            {"@type": "ElectionResults.CountStatus", "Status": tps_status(unit), "Type": "total"}
        ]
    return described


def pair_candidates(pair: Pair) -> list[dict[str, object]]:
    """The pair's people, governor first; the name is split at its dash."""
    people = PAIR_SEPARATOR.split(pair.name)
    return [
        {
            "@id": f"candidate-{pair.number}-{position}",
            "@type": "ElectionResults.Candidate",
            "BallotName": text(person),
            "IsTopTicket": position == 1,
            **(
                {"ExternalIdentifier": [sirekap_identifier(pair.sirekap_id)]}
                if pair.sirekap_id
                else {}
            ),
        }
        for position, person in enumerate(people, start=1)
    ]


def sirekap_identifier(sirekap_id: str) -> dict[str, str]:
    return {
        "@type": "ElectionResults.ExternalIdentifier",
        "Type": "other",
        "OtherType": "sirekap-paslon-id",
        "Value": sirekap_id,
        "Label": "Sirekap",
    }


def candidate_selection(
    pair: Pair, candidate_ids: Sequence[str], reported: Sequence[UnitCounts]
) -> dict[str, object]:
    return {
        "@id": f"selection-{pair.number}",
        "@type": "ElectionResults.CandidateSelection",
        "SequenceOrder": pair.number,
        "CandidateIds": list(candidate_ids),
        "VoteCounts": [
            {
                "@type": "ElectionResults.VoteCounts",
                "GpUnitId": gp_unit_id(unit.code),
                "Type": "total",
                "Count": unit.count(f"suara_paslon_{pair.number}"),
            }
            for unit in reported
        ],
    }


def ballot_counts(unit: UnitCounts) -> dict[str, object]:
    return {
        "@type": "ElectionResults.BallotCounts",
        "GpUnitId": gp_unit_id(unit.code),
        "Type": "total",
        "BallotsCast": unit.count("suara_total"),
        "BallotsRejected": unit.count("suara_tidak_sah"),
    }


def election_report(
    contest: ContestFacts, units: Sequence[UnitCounts], generated_at: datetime
) -> dict[str, object]:
    """The whole contest, every unit from the contest's region down to each TPS."""
    children: dict[str, list[str]] = {}
    for unit in units:
        if unit.parent_code is not None:
            children.setdefault(unit.parent_code, []).append(gp_unit_id(unit.code))
    whole = next(unit for unit in units if unit.code == contest.region_code)
    reported = [unit for unit in units if unit.count("tps_reported")]
    candidates = {pair.number: pair_candidates(pair) for pair in contest.pairs}
    complete = whole.count("tps_reported") == whole.tps_total and not whole.count("tps_disputed")
    return {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": generated_at.isoformat(timespec="seconds"),
        "Issuer": ISSUER,
        "IssuerAbbreviation": ISSUER,
        "VendorApplicationId": ISSUER,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-complete" if complete else "unofficial-partial",
        "Notes": (
            "Unofficial tally read from the C.Hasil-KWK form photos of each TPS; "
            "the official result is KPU's recapitulation."
        ),
        "GpUnit": [reporting_unit(unit, children.get(unit.code, [])) for unit in units],
        "Election": [
            {
                "@type": "ElectionResults.Election",
                "Name": text(contest.name),
                "Type": "general",
                "StartDate": contest.polling_day.isoformat(),
                "EndDate": contest.polling_day.isoformat(),
                "ElectionScopeId": gp_unit_id(contest.region_code),
                "Candidate": [person for people in candidates.values() for person in people],
                "Contest": [
                    {
                        "@id": f"contest-{contest.code}",
                        "@type": "ElectionResults.CandidateContest",
                        "Name": contest.name,
                        "ElectionDistrictId": gp_unit_id(contest.region_code),
                        "VotesAllowed": 1,
                        "NumberElected": 1,
                        "TotalSubUnits": whole.tps_total,
                        "SubUnitsReported": whole.count("tps_reported"),
                        "CountStatus": [
                            {
                                "@type": "ElectionResults.CountStatus",
                                "Status": "completed" if complete else "in-process",
                                "Type": "total",
                            }
                        ],
                        "ContestSelection": [
                            candidate_selection(
                                pair, [c["@id"] for c in candidates[pair.number]], reported
                            )
                            for pair in contest.pairs
                        ],
                    }
                ],
                "BallotCounts": [ballot_counts(unit) for unit in reported],
            }
        ],
    }
