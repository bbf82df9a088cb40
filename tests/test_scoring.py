from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quiz.scoring import Marking, Outcome, apportion, outcome_of, to_decimal, totals_of

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
