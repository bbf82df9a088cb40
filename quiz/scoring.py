"""Marking schemes and grading: pure functions, no database.

UPSC takes away one third of a question's marks for a wrong answer. A third has no exact decimal,
so every sum here is a `Fraction`; a value is rounded once, to two decimals, only when it is stored
or shown. Three wrong answers at +2 / -2/3 cost exactly 2.00 marks, never 2.01.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

CENT = Decimal("0.01")


class Outcome(StrEnum):
    CORRECT = "correct"
    WRONG = "wrong"
    BLANK = "blank"


@dataclass(frozen=True)
class Marking:
    """Marks for a correct answer and the penalty for a wrong one; a blank scores 0."""

    correct: Fraction
    penalty: Fraction

    @classmethod
    def of(cls, *, marks_per_correct: Decimal | int, penalty_numerator: int, penalty_denominator: int) -> "Marking":
        """The scheme as a quiz states it: the penalty is a fraction of the marks for a correct answer."""
        correct = Fraction(marks_per_correct)
        return cls(correct=correct, penalty=correct * Fraction(penalty_numerator, penalty_denominator))

    def marks_for(self, outcome: Outcome) -> Fraction:
        return {Outcome.CORRECT: self.correct, Outcome.WRONG: -self.penalty, Outcome.BLANK: Fraction(0)}[outcome]


@dataclass(frozen=True)
class Totals:
    correct: int
    wrong: int
    blank: int
    score: Fraction
    maximum: Fraction
    lost: Fraction  # marks taken away by negative marking

    @property
    def questions(self) -> int:
        return self.correct + self.wrong + self.blank

    @property
    def attempted(self) -> int:
        return self.correct + self.wrong

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def accuracy_of(*, correct: int, wrong: int) -> Fraction | None:
    """Share of attempted questions answered correctly; None when nothing was attempted."""
    return Fraction(correct, correct + wrong) if correct + wrong else None


def outcome_of(*, chosen_is_correct: bool | None) -> Outcome:
    """None means no option was chosen."""
    if chosen_is_correct is None:
        return Outcome.BLANK
    return Outcome.CORRECT if chosen_is_correct else Outcome.WRONG


def totals_of(marking: Marking, outcomes: Iterable[Outcome]) -> Totals:
    outcomes = list(outcomes)
    return totals_counted(
        marking,
        correct=outcomes.count(Outcome.CORRECT),
        wrong=outcomes.count(Outcome.WRONG),
        blank=outcomes.count(Outcome.BLANK),
    )


def totals_counted(marking: Marking, *, correct: int, wrong: int, blank: int) -> Totals:
    """`totals_of` from the counts of each outcome (what set-based grading has from the database)."""
    return Totals(
        correct=correct,
        wrong=wrong,
        blank=blank,
        score=marking.correct * correct - marking.penalty * wrong,
        maximum=marking.correct * (correct + wrong + blank),
        lost=marking.penalty * wrong,
    )


def to_decimal(value: Fraction) -> Decimal:
    """Round an exact value once, to two decimals, half away from zero (-2/3 -> -0.67)."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value) * 100
    cents = magnitude.numerator // magnitude.denominator
    if (magnitude - cents) * 2 >= 1:
        cents += 1
    return (Decimal(sign * cents) / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def apportion(parts: Sequence[Fraction]) -> list[Decimal]:
    """Each part to two decimals such that the shown parts add up exactly to their shown total,
    `to_decimal(sum(parts))`: largest-remainder rounding. A breakdown rounded part by part can miss
    its total by a cent or more (-2/3 + 4/3 + 0 + 10/3 = 4 shows as -0.67 + 1.33 + 0.00 + 3.33 =
    3.99). Every part starts rounded down to the cent; the cents still missing go one each to the
    parts that lost most by that, so each shown part is less than a cent from its exact value and a
    part already exact in cents is never moved. Ties go to the larger part (a cent changes it least
    in proportion), then to the earlier.
    """
    cents = [part * 100 for part in parts]
    floors = [math.floor(c) for c in cents]
    total = int(to_decimal(sum(parts, Fraction(0))) * 100)
    missing = total - sum(floors)
    by_loss = sorted(range(len(parts)), key=lambda i: (floors[i] - cents[i], -abs(parts[i]), i))
    for i in by_loss[:missing]:
        floors[i] += 1
    return [(Decimal(c) / 100).quantize(CENT) for c in floors]
