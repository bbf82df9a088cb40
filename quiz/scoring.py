"""Marking schemes and grading: pure functions, no database.

UPSC takes away one third of a question's marks for a wrong answer. A third has no exact decimal,
so every sum here is a `Fraction`; a value is rounded once, to two decimals, only when it is stored
or shown. Three wrong answers at +2 / -2/3 cost exactly 2.00 marks, never 2.01.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
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


# --- confidence: when is an answer worth attempting --------------------------------------------


class Confidence(StrEnum):
    """How sure a student said they were of an answer, as UPSC aspirants sort their answers."""

    SURE = "sure"
    FIFTY = "fifty"  # two options eliminated
    GUESS = "guess"


# The report's groups in reading order; "" is an answer given no tag.
CONFIDENCE_GROUPS = (Confidence.SURE.value, Confidence.FIFTY.value, Confidence.GUESS.value, "")


def break_even(marking: Marking) -> Fraction:
    """The accuracy at which attempting earns nothing on average: p·correct = (1 - p)·penalty.

    UPSC's +2 / -2/3 gives exactly 1/4; with no penalty every attempt pays, so 0.
    """
    return marking.penalty / (marking.correct + marking.penalty)


def per_attempt(marking: Marking, accuracy: Fraction) -> Fraction:
    """The marks an attempt earns on average, right `accuracy` of the time (negative: it costs)."""
    return accuracy * marking.correct - (1 - accuracy) * marking.penalty


@dataclass(frozen=True)
class ConfidenceGroup:
    """The answers of one paper (or of many, `scoring.calibration`) given one confidence tag."""

    confidence: str  # a Confidence value, or "" for untagged
    correct: int
    wrong: int
    net: Fraction  # marks earned less marks lost, exactly

    @property
    def attempted(self) -> int:
        return self.correct + self.wrong

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)

    @property
    def per_attempt(self) -> Fraction | None:
        """Net marks per attempt: the group's own average, whatever marking each answer had."""
        return self.net / self.attempted if self.attempted else None


@dataclass(frozen=True)
class RiskReport:
    break_even: Fraction
    groups: list[ConfidenceGroup]  # CONFIDENCE_GROUPS order, every group present
    score: Fraction

    def group(self, confidence: str) -> ConfidenceGroup:
        return next(g for g in self.groups if g.confidence == confidence)

    @property
    def guesses(self) -> ConfidenceGroup:
        return self.group(Confidence.GUESS)

    @property
    def fifties(self) -> ConfidenceGroup:
        return self.group(Confidence.FIFTY)

    @property
    def without_guesses(self) -> Fraction:
        """The score had every Guess been left blank."""
        return self.score - self.guesses.net

    @property
    def without_fifties(self) -> Fraction:
        """The score had every 50:50 been left blank."""
        return self.score - self.fifties.net

    @property
    def tagged(self) -> bool:
        return any(g.attempted for g in self.groups if g.confidence)


def risk_report(marking: Marking, answers: Iterable[tuple[str, Outcome]]) -> RiskReport:
    """One paper's answers, as (confidence or "", outcome), grouped by confidence. A blank earns
    nothing whatever its tag, so it counts in no group's attempts."""
    counts = {c: [0, 0] for c in CONFIDENCE_GROUPS}
    for confidence, outcome in answers:
        if outcome != Outcome.BLANK:
            counts[confidence][outcome == Outcome.WRONG] += 1
    groups = [
        ConfidenceGroup(confidence=c, correct=r, wrong=w, net=marking.correct * r - marking.penalty * w)
        for c, (r, w) in counts.items()
    ]
    return RiskReport(break_even=break_even(marking), groups=groups, score=sum((g.net for g in groups), Fraction(0)))


# z for a two-sided 95% interval, as a fraction so that everything but the square root is exact.
Z95 = Fraction(196, 100)


@dataclass(frozen=True)
class Interval:
    low: Fraction
    high: Fraction

    def __contains__(self, value: Fraction) -> bool:
        return self.low <= value <= self.high


def wilson(correct: int, n: int, *, z: Fraction = Z95) -> Interval | None:
    """The Wilson score interval for an accuracy of `correct` out of `n` (None when n is 0).

    Chosen over the textbook (Wald) p ± z·√(p(1-p)/n) because a student's count per confidence
    level is small and often near 0% or 100%: there Wald's interval shrinks to nothing (10 of 10
    gives 100% ± 0) or runs outside [0, 1], while Wilson's stays within [0, 1] and keeps close to
    its stated 95% coverage for small n (Brown, Cai and DasGupta, 2001). Clopper-Pearson would
    need the beta distribution's quantiles and is wider than it needs to be. The bounds are exact
    but for the one square root, taken to 30 digits.
    """
    if n == 0:
        return None
    p, z2 = Fraction(correct, n), z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    radicand = p * (1 - p) / n + z2 / (4 * n * n)
    with localcontext() as context:
        context.prec = 30
        root = Fraction((Decimal(radicand.numerator) / Decimal(radicand.denominator)).sqrt())
    half = z * root / (1 + z2 / n)
    # At 0 or n the interval touches the end exactly; the rounded root must not push it past.
    low = max(Fraction(0), centre - half) if correct else Fraction(0)
    high = min(Fraction(1), centre + half) if correct < n else Fraction(1)
    return Interval(low=low, high=high)


# Below this many attempted answers at a confidence level, History says "too few answers yet" and
# gives no advice: the 95% interval is then wider than the gap advice would rest on.
CALIBRATION_MIN_ANSWERS = 20


class Advice(StrEnum):
    ATTEMPT = "attempt"  # each attempt earned marks on average
    LEAVE = "leave"  # each attempt cost marks on average
    EVEN = "even"


@dataclass(frozen=True)
class CalibrationLevel:
    """A student's record at one confidence level across their papers."""

    group: ConfidenceGroup
    interval: Interval | None  # 95% (Wilson) for the accuracy
    break_even: Fraction | None  # for the markings these answers had; None when none was attempted

    @property
    def enough(self) -> bool:
        return self.group.attempted >= CALIBRATION_MIN_ANSWERS

    @property
    def advice(self) -> Advice | None:
        """What the student's own figures say about attempting answers of this level; none below
        the threshold, and none for untagged answers (they are no one kind of answer)."""
        if not self.enough or not self.group.confidence:
            return None
        net = self.group.net
        return Advice.ATTEMPT if net > 0 else Advice.LEAVE if net < 0 else Advice.EVEN

    @property
    def clear(self) -> bool:
        """Whether the 95% interval lies wholly on one side of the break-even: the advice is not a coin toss."""
        return self.interval is not None and self.break_even is not None and self.break_even not in self.interval


def calibration(rows: Iterable[tuple[str, Marking, int, int]]) -> list[CalibrationLevel]:
    """Per confidence level (CONFIDENCE_GROUPS order), from (confidence, marking, correct, wrong)
    counts. Papers may differ in marking: the net marks add each answer's own, and the break-even
    is the accuracy at which these very answers would have netted zero, Σpenalty / Σ(correct + penalty).
    """
    tally = {c: [0, 0, Fraction(0), Fraction(0), Fraction(0)] for c in CONFIDENCE_GROUPS}
    for confidence, marking, correct, wrong in rows:
        row = tally[confidence]
        row[0] += correct
        row[1] += wrong
        row[2] += marking.correct * correct - marking.penalty * wrong
        row[3] += marking.penalty * (correct + wrong)
        row[4] += (marking.correct + marking.penalty) * (correct + wrong)
    levels = []
    for confidence, (correct, wrong, net, penalties, spans) in tally.items():
        group = ConfidenceGroup(confidence=confidence, correct=correct, wrong=wrong, net=net)
        levels.append(
            CalibrationLevel(
                group=group,
                interval=wilson(correct, correct + wrong),
                break_even=penalties / spans if spans else None,
            )
        )
    return levels
