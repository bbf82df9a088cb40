from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quiz.scoring import (
    CALIBRATION_MIN_ANSWERS,
    Advice,
    Confidence,
    Interval,
    Marking,
    Outcome,
    apportion,
    break_even,
    calibration,
    outcome_of,
    per_attempt,
    risk_report,
    to_decimal,
    totals_of,
    wilson,
)

UPSC = Marking.of(marks_per_correct=Decimal("2.00"), penalty_numerator=1, penalty_denominator=3)


def test_marking_upsc_penalty_is_exactly_two_thirds():
    assert UPSC.correct == Fraction(2)
    assert UPSC.penalty == Fraction(2, 3)
    assert UPSC.marks_for(Outcome.CORRECT) == 2
    assert UPSC.marks_for(Outcome.WRONG) == Fraction(-2, 3)
    assert UPSC.marks_for(Outcome.BLANK) == 0


def test_totals_three_wrong_cost_exactly_two_marks():
    totals = totals_of(UPSC, [Outcome.WRONG] * 3)
    assert totals.score == -2
    assert to_decimal(totals.score) == Decimal("-2.00")


def test_totals_never_drift_over_a_full_paper():
    # 100 questions: 61 right, 29 wrong, 10 blank. Summing -0.67 per wrong answer would give 102.57.
    totals = totals_of(UPSC, [Outcome.CORRECT] * 61 + [Outcome.WRONG] * 29 + [Outcome.BLANK] * 10)
    assert totals.score == Fraction(308, 3)
    assert to_decimal(totals.score) == Decimal("102.67")
    assert to_decimal(totals.maximum) == Decimal("200.00")
    assert to_decimal(totals.lost) == Decimal("19.33")
    assert (totals.correct, totals.wrong, totals.blank, totals.questions) == (61, 29, 10, 100)
    assert totals.accuracy == Fraction(61, 90)


def test_totals_accuracy_is_none_when_nothing_attempted():
    assert totals_of(UPSC, [Outcome.BLANK, Outcome.BLANK]).accuracy is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(2, 3), "0.67"),
        (Fraction(-2, 3), "-0.67"),
        (Fraction(1, 3), "0.33"),
        (Fraction(-1, 3), "-0.33"),
        (Fraction(1, 8), "0.13"),
        (Fraction(-1, 8), "-0.13"),
        (Fraction(0), "0.00"),
        (Fraction(5), "5.00"),
    ],
)
def test_to_decimal_rounds_half_away_from_zero(value, expected):
    assert to_decimal(value) == Decimal(expected)
    assert str(to_decimal(value)) == expected


def test_marking_of_a_quarter_penalty():
    marking = Marking.of(marks_per_correct=4, penalty_numerator=1, penalty_denominator=4)
    assert totals_of(marking, [Outcome.CORRECT, Outcome.WRONG]).score == 3


def test_marking_without_penalty():
    marking = Marking.of(marks_per_correct=Decimal("2.5"), penalty_numerator=0, penalty_denominator=1)
    assert totals_of(marking, [Outcome.CORRECT, Outcome.WRONG, Outcome.WRONG]).score == Fraction(5, 2)


@pytest.mark.parametrize(
    ("chosen", "outcome"), [(True, Outcome.CORRECT), (False, Outcome.WRONG), (None, Outcome.BLANK)]
)
def test_outcome_of_choice(chosen, outcome):
    assert outcome_of(chosen_is_correct=chosen) is outcome


def test_apportion_topic_marks_add_up_to_the_paper_s_four_marks():
    # One paper's marks by topic: one wrong; one right, one wrong; a blank; two right, one wrong.
    # Rounded one by one they show -0.67 + 1.33 + 0.00 + 3.33 = 3.99 against a score of 4.00.
    parts = [Fraction(-2, 3), Fraction(4, 3), Fraction(0), Fraction(10, 3)]
    assert [to_decimal(part) for part in parts] == [Decimal("-0.67"), Decimal("1.33"), Decimal("0.00"), Decimal("3.33")]
    assert apportion(parts) == [Decimal("-0.67"), Decimal("1.33"), Decimal("0.00"), Decimal("3.34")]
    assert sum(apportion(parts)) == to_decimal(sum(parts)) == Decimal("4.00")


@pytest.mark.parametrize(
    ("parts", "shown"),
    [
        ([], []),
        ([Fraction(1, 3)] * 3, ["0.34", "0.33", "0.33"]),  # a tie: the earliest gets the cent
        ([Fraction(-1, 3)] * 3, ["-0.33", "-0.33", "-0.34"]),
        ([Fraction(2), Fraction(-2, 3), Fraction(1, 2)], ["2.00", "-0.67", "0.50"]),  # already adds up
    ],
)
def test_apportion_examples(parts, shown):
    assert apportion(parts) == [Decimal(s) for s in shown]


@given(st.lists(st.fractions(min_value=-1000, max_value=1000, max_denominator=12), max_size=30))
def test_apportion_adds_up_and_moves_no_part_by_a_cent(parts):
    shown = apportion(parts)
    assert sum(shown, Decimal(0)) == to_decimal(sum(parts, Fraction(0)))
    for part, decimal in zip(parts, shown, strict=True):
        assert abs(Fraction(decimal) - part) < Fraction(1, 100)
        if (part * 100).denominator == 1:
            assert Fraction(decimal) == part


# --- confidence: break-even, per-attempt marks, what-if, intervals (hand-computed) ----------------

NO_PENALTY = Marking.of(marks_per_correct=1, penalty_numerator=0, penalty_denominator=1)
HALF = Marking.of(marks_per_correct=4, penalty_numerator=1, penalty_denominator=4)  # +4 / -1, as some mocks


def test_break_even_upsc_is_exactly_one_in_four():
    # p·2 = (1 - p)·2/3  =>  p = (2/3) / (2 + 2/3) = 1/4
    assert break_even(UPSC) == Fraction(1, 4)
    assert break_even(HALF) == Fraction(1, 5)  # p·4 = (1 - p)·1
    assert break_even(NO_PENALTY) == 0


def test_per_attempt_at_the_break_even_is_zero_and_either_side_signed():
    assert per_attempt(UPSC, Fraction(1, 4)) == 0
    # 58% right: 0.58·2 - 0.42·2/3 = 1.16 - 0.28 = 0.88
    assert per_attempt(UPSC, Fraction(58, 100)) == Fraction(22, 25)
    # 19% right: 0.38 - 0.81·2/3 = 0.38 - 0.54 = -0.16
    assert per_attempt(UPSC, Fraction(19, 100)) == Fraction(-4, 25)


def test_risk_report_groups_net_marks_and_what_ifs():
    s, f, g = Confidence.SURE, Confidence.FIFTY, Confidence.GUESS
    answers = [
        (s, Outcome.CORRECT), (s, Outcome.CORRECT), (s, Outcome.WRONG),  # 4 - 2/3 = 10/3
        (f, Outcome.CORRECT), (f, Outcome.WRONG), (f, Outcome.WRONG),  # 2 - 4/3 = 2/3
        (g, Outcome.WRONG), (g, Outcome.WRONG), (g, Outcome.WRONG), (g, Outcome.CORRECT),  # 2 - 2 = 0
        ("", Outcome.WRONG),  # -2/3
        (g, Outcome.BLANK), ("", Outcome.BLANK),  # a blank earns nothing, tagged or not
    ]  # fmt: skip
    report = risk_report(UPSC, answers)
    rows = [(r.confidence, r.correct, r.wrong, r.attempted, r.net, r.accuracy, r.per_attempt) for r in report.groups]
    assert rows == [
        ("sure", 2, 1, 3, Fraction(10, 3), Fraction(2, 3), Fraction(10, 9)),
        ("fifty", 1, 2, 3, Fraction(2, 3), Fraction(1, 3), Fraction(2, 9)),
        ("guess", 1, 3, 4, Fraction(0), Fraction(1, 4), Fraction(0)),
        ("", 0, 1, 1, Fraction(-2, 3), Fraction(0), Fraction(-2, 3)),
    ]
    assert report.score == Fraction(10, 3)  # 4 right, 7 wrong: 8 - 14/3
    assert report.score == totals_of(UPSC, [o for _, o in answers]).score
    assert report.without_guesses == Fraction(10, 3)  # the guesses netted exactly nothing
    assert report.without_fifties == Fraction(8, 3)
    assert report.break_even == Fraction(1, 4)
    assert report.tagged is True


def test_risk_report_with_nothing_tagged_says_so():
    report = risk_report(UPSC, [("", Outcome.CORRECT), ("", Outcome.BLANK)])
    assert report.tagged is False
    assert report.group("").per_attempt == 2
    assert report.group("sure").per_attempt is None and report.group("sure").accuracy is None


def test_wilson_interval_of_half_is_symmetric_and_known():
    # 5 of 10: centre 1/2; half-width 1.96·√(0.025 + 0.009604) / 1.38416 = 0.26341
    interval = wilson(5, 10)
    assert interval.low + interval.high == 1
    assert round(float(interval.low), 4) == 0.2366 and round(float(interval.high), 4) == 0.7634


def test_wilson_interval_at_none_or_all_touches_the_end_exactly():
    # x = 0: the upper bound is z² / (n + z²) exactly = 3.8416 / 13.8416
    assert wilson(0, 10) == Interval(low=Fraction(0), high=Fraction(2401, 8651))
    assert wilson(10, 10) == Interval(low=Fraction(6250, 8651), high=Fraction(1))
    assert wilson(0, 0) is None


def test_wilson_interval_narrows_with_more_answers_and_holds_the_estimate():
    few, many = wilson(7, 10), wilson(70, 100)
    assert Fraction(7, 10) in few and Fraction(7, 10) in many
    assert many.high - many.low < few.high - few.low
    # 70 of 100, by hand: centre 0.719208 / 1.038416 = 0.69260, half-width 1.96·√0.00219604 / 1.038416 = 0.08845
    assert (round(float(many.low), 4), round(float(many.high), 4)) == (0.6041, 0.7811)


def test_calibration_advice_follows_the_students_own_figures_above_the_threshold():
    n = CALIBRATION_MIN_ANSWERS
    rows = [
        ("sure", UPSC, n - 2, 2),  # 18 of 20
        ("fifty", UPSC, 12, n - 12),  # 12 of 20: 0.6·2 - 0.4·2/3 > 0
        ("guess", UPSC, 3, n - 3),  # 3 of 20 = 15% < 25%
        ("", UPSC, 1, 0),
    ]
    levels = {level.group.confidence: level for level in calibration(rows)}
    assert [levels[c].advice for c in ("sure", "fifty", "guess", "")] == [
        Advice.ATTEMPT,
        Advice.ATTEMPT,
        Advice.LEAVE,
        None,
    ]
    assert levels["guess"].group.net == 6 - Fraction(34, 3)
    assert levels["fifty"].break_even == Fraction(1, 4)
    assert levels["sure"].clear is True  # 90%, interval far above 25%
    assert levels["guess"].clear is False  # 15% of 20: the interval reaches past 25%


def test_calibration_below_the_threshold_gives_no_advice():
    n = CALIBRATION_MIN_ANSWERS - 1
    levels = calibration([("guess", UPSC, 0, n)])
    guess = next(level for level in levels if level.group.confidence == "guess")
    assert (guess.enough, guess.advice, guess.group.attempted) == (False, None, n)
    assert all(level.interval is None for level in levels if level.group.confidence != "guess")


def test_calibration_mixes_markings_by_each_answers_own():
    # 1 right at +2/-2/3 and 1 wrong at +4/-1: net 2 - 1 = 1; break-even (2/3 + 1) / (8/3 + 5) = 5/23
    level = next(
        lv for lv in calibration([("sure", UPSC, 1, 0), ("sure", HALF, 0, 1)]) if lv.group.confidence == "sure"
    )
    assert (level.group.net, level.break_even, level.group.per_attempt) == (1, Fraction(5, 23), Fraction(1, 2))
