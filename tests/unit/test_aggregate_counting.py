from services.aggregate.counting import (
    TPS_DISPUTED,
    TPS_REPORTED,
    add_up,
    candidate_item,
    counted_items,
    difference,
)


def test_a_tally_counts_its_fields_and_one_reported_tps_and_blanks_count_nothing():
    counted = counted_items({"suara_paslon_1": 7, "suara_paslon_4": None, "suara_sah": 7}, False)
    assert counted == {candidate_item(1): 7, "suara_sah": 7, TPS_REPORTED: 1, TPS_DISPUTED: 0}


def test_a_disputed_tally_counts_a_disputed_tps():
    assert counted_items({}, disputed=True)[TPS_DISPUTED] == 1


def test_the_difference_moves_only_what_changed_and_removes_what_is_gone():
    before = {"suara_paslon_1": 10, "suara_paslon_2": 5, TPS_REPORTED: 1}
    after = {"suara_paslon_1": 12, "suara_sah": 3, TPS_REPORTED: 1}
    assert difference(before, after) == {"suara_paslon_1": 2, "suara_paslon_2": -5, "suara_sah": 3}
    assert difference(after, after) == {}


def test_a_first_version_moves_by_all_it_counts():
    after = counted_items({"suara_sah": 9}, False)
    assert difference({}, after) == {"suara_sah": 9, TPS_REPORTED: 1}


def test_add_up_sums_item_by_item():
    assert add_up([{"a": 1, "b": 2}, {"a": 3}]) == {"a": 4, "b": 2}
