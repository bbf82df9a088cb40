from decimal import Decimal
from fractions import Fraction

import pytest

from quiz.scoring import Marking, Outcome, outcome_of, to_decimal, totals_of

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
