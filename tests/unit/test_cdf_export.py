"""The CDF export is valid NIST SP 1500-100 v2 (against NIST's own JSON Schema) and says what
the tallies say."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest

from services.results.cdf import ContestFacts, Pair, UnitCounts, election_report

SCHEMA_PATH = (
    Path(__file__).resolve().parents[2]
    / "services/results/nist/NIST_V2_election_results_reporting.json"
)
CONTEST = ContestFacts(
    code="PILGUB-31-2024",
    name="Pemilihan Gubernur DKI Jakarta 2024",
    region_code="31",
    polling_day=date(2024, 11, 27),
    pairs=[
        Pair(1, "Ridwan Kamil \u2013 Suswono", "1000023"),
        Pair(2, "Dharma Pongrekun \u2013 Kun Wardana", "1000024"),
        Pair(3, "Pramono Anung \u2013 Rano Karno", None),
    ],
)
TALLY = {
    "suara_paslon_1": 100,
    "suara_paslon_2": 20,
    "suara_paslon_3": 130,
    "suara_sah": 250,
    "suara_tidak_sah": 6,
    "suara_total": 256,
    "pengguna_total_jml": 256,
    "tps_reported": 1,
    "tps_disputed": 0,
}
DISPUTED = {**TALLY, "tps_disputed": 1}
BOTH = {item: TALLY[item] + DISPUTED[item] for item in TALLY}


def unit(code, level, parent, tps_total, totals, name=None) -> UnitCounts:
    return UnitCounts(code, level, name or code, parent, tps_total, 500 * tps_total, totals)


UNITS = [
    unit("31", "provinsi", None, 3, BOTH),
    unit("31.71", "kota", "31", 3, BOTH),
    unit("31.71.01", "kecamatan", "31.71", 3, BOTH),
    unit("31.71.01.1001", "kelurahan", "31.71.01", 3, BOTH),
    unit("3171011001001", "tps", "31.71.01.1001", 1, TALLY, "TPS 001"),
    unit("3171011001002", "tps", "31.71.01.1001", 1, DISPUTED, "TPS 002"),
    unit("3171011001003", "tps", "31.71.01.1001", 1, {}, "TPS 003"),
]
GENERATED = datetime(2024, 11, 27, 14, 30, tzinfo=UTC)


def nist_schema_errors(document: dict) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def references(node: object) -> Iterator[str]:
    """Every value of a key that names another object by its @id (`...Id`, `...Ids`)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("Id") and isinstance(value, str):
                yield value
            elif key.endswith("Ids"):
                yield from value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def declared_ids(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if "@id" in node:
            yield node["@id"]
        for value in node.values():
            yield from declared_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from declared_ids(item)


@pytest.fixture(scope="module")
def report() -> dict:
    return election_report(CONTEST, UNITS, GENERATED)


def test_the_report_is_valid_against_nists_schema(report):
    assert json.loads(SCHEMA_PATH.read_text())["$schema"].startswith("http://json-schema.org/")
    assert nist_schema_errors(report) == []


def test_every_reference_names_an_object_of_the_report(report):
    declared = list(declared_ids(report))
    assert len(declared) == len(set(declared))
    vendor_id = report["VendorApplicationId"]
    assert {ref for ref in references(report) if ref != vendor_id} <= set(declared)


def test_a_broken_report_is_caught_by_the_schema(report):
    broken = json.loads(json.dumps(report))
    broken["Election"][0]["Contest"][0]["ContestSelection"][0]["VoteCounts"][0]["Type"] = "sum"
    del broken["GpUnit"][0]["Type"]
    assert len(nist_schema_errors(broken)) == 2


def test_votes_per_pair_per_reporting_unit(report):
    contest = report["Election"][0]["Contest"][0]
    votes = {
        (selection["SequenceOrder"], count["GpUnitId"]): count["Count"]
        for selection in contest["ContestSelection"]
        for count in selection["VoteCounts"]
    }
    assert votes[(1, "gp-31")] == 200
    assert votes[(3, "gp-3171011001002")] == 130
    assert (1, "gp-3171011001003") not in votes
    assert (contest["VotesAllowed"], contest["NumberElected"]) == (1, 1)
    assert (contest["TotalSubUnits"], contest["SubUnitsReported"]) == (3, 2)


def test_invalid_ballots_and_voters_per_unit(report):
    ballots = {b["GpUnitId"]: b for b in report["Election"][0]["BallotCounts"]}
    provinsi = next(u for u in report["GpUnit"] if u["@id"] == "gp-31")

    assert (ballots["gp-31"]["BallotsCast"], ballots["gp-31"]["BallotsRejected"]) == (512, 12)
    assert provinsi["ExternalIdentifier"][0]["Value"] == "31"
    assert (provinsi["VotersRegistered"], provinsi["VotersParticipated"]) == (1500, 512)
    assert provinsi["ComposingGpUnitIds"] == ["gp-31.71"]


def test_a_pair_is_a_ticket_of_two_people(report):
    people = report["Election"][0]["Candidate"]
    selection = report["Election"][0]["Contest"][0]["ContestSelection"][0]

    assert selection["CandidateIds"] == ["candidate-1-1", "candidate-1-2"]
    assert [p["BallotName"]["Text"][0]["Content"] for p in people[:2]] == [
        "Ridwan Kamil",
        "Suswono",
    ]
    assert [p["IsTopTicket"] for p in people[:2]] == [True, False]
    assert people[0]["ExternalIdentifier"][0]["Value"] == "1000023"
    assert "ExternalIdentifier" not in people[4]


def test_each_tps_says_whether_its_count_is_in(report):
    statuses = {
        u["@id"]: u["CountStatus"][0]["Status"] for u in report["GpUnit"] if u["Type"] == "precinct"
    }
    assert statuses == {
        "gp-3171011001001": "completed",
        "gp-3171011001002": "in-process",
        "gp-3171011001003": "not-processed",
    }
    assert report["Status"] == "unofficial-partial"
