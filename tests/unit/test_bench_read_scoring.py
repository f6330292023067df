from services.bench_read import Score, _count, _rules_named, run_bench


def test_digits_are_the_written_boxes_and_a_leading_blank_spells_a_leading_zero():
    score = Score()
    _count(score, " 45", 45, after_rules=False)
    _count(score, "045", 49, after_rules=False)
    _count(score, "   ", None, after_rules=False)
    assert (score.boxes, score.boxes_right) == (9, 8)
    assert (score.digits, score.digits_right) == (5, 4)
    assert (score.fields, score.fields_right) == (3, 2)
    assert score.misreads == {("5", "9"): 1}


def test_misreads_name_the_written_and_the_read_box_a_blank_as_underscore():
    score = Score()
    _count(score, " 45", 5, after_rules=False)
    _count(score, "107", 17, after_rules=False)
    _count(score, "107", 170, after_rules=True)
    assert score.misreads == {("4", "_"): 1, ("1", "_"): 1, ("0", "1"): 1}


def test_after_the_rules_only_the_right_ones_are_counted_again():
    score = Score()
    _count(score, " 45", 49, after_rules=False)
    _count(score, " 45", 45, after_rules=True)
    assert (score.digits_right, score.digits_right_after_rules) == (1, 2)


def test_the_rules_holding_a_form_back_are_named_once_each_without_constraint_notes():
    reasons = [
        "uncertain_reading: suara_sah reads 402 (p=0.61); check the photo",
        "uncertain_reading: suara_paslon_1 reads 12 (p=0.70); check the photo",
        "male_plus_female_equals_total: 120 + 118 is 238 but dpt_jml is 239",
        "constraint: the search stopped at 5000 nodes",
    ]
    assert _rules_named(reasons) == {"uncertain_reading", "male_plus_female_equals_total"}


def test_a_bench_of_officers_mistakes_alone_sends_every_one_to_a_human():
    score = run_bench(3, 11, 3.0, with_printed_text=False, mix={"mistake": 1.0})
    assert score.photos == 3 and score.clean == 0
    assert sum(score.verdicts.values()) == 3 and "mistake->accept" not in score.verdicts
    assert score.silent_errors == 0
