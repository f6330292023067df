"""What one tally version adds to the regions above its TPS: pure, no database.

Every field of the form is a count that adds up across TPS (votes per candidate, valid and
invalid votes, voters, ballots), so a region's item is the sum of that field over the latest
accepted tally of every TPS below it. Two more items count TPS: `tps_reported` (1 for every TPS
with an accepted tally) and `tps_disputed` (1 while its latest tally is disputed).
"""

from __future__ import annotations

from collections.abc import Mapping

TPS_REPORTED = "tps_reported"
TPS_DISPUTED = "tps_disputed"
CANDIDATE_ITEM_PREFIX = "suara_paslon_"


def candidate_item(number: int) -> str:
    return f"{CANDIDATE_ITEM_PREFIX}{number}"


def counted_items(values: Mapping[str, int | None], disputed: bool) -> dict[str, int]:
    """The amounts a tally contributes to each item; a blank field counts nothing."""
    counted = {field: value for field, value in values.items() if value is not None}
    counted[TPS_REPORTED] = 1
    counted[TPS_DISPUTED] = int(disputed)
    return counted


def difference(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """What moves every ancestor when a TPS goes from `before` to `after` (no zero moves)."""
    moves = {item: after.get(item, 0) - before.get(item, 0) for item in {*before, *after}}
    return {item: amount for item, amount in sorted(moves.items()) if amount}


def add_up(tallies: list[Mapping[str, int]]) -> dict[str, int]:
    """The brute-force sum the incremental totals must always equal."""
    totals: dict[str, int] = {}
    for counted in tallies:
        for item, amount in counted.items():
            totals[item] = totals.get(item, 0) + amount
    return totals
