"""What a student's progress pages read: their history, its chart, and mastery by topic, trap and statement.

Everything here reads; nothing writes. Counts come from database aggregation, so a page's query
count does not grow with the number of attempts; mastery by topic, trap and statement read the
tallies grading counts (quiz/models/tallies.py), so their cost does not grow with it either.
Totals count outcomes; they never sum the rounded `Answer.marks`. Which answers' keys may be used
is `policy.key_visible_q`.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, ExpressionWrapper, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from content.models import Question, QuestionVersion, Topic
from content.rules import Kind
from quiz import policy
from quiz.models import Answer, Attempt, QuestionTally, Quiz, ReviewCard, StatementTally
from quiz.scoring import CalibrationLevel, Marking, Outcome, accuracy_of, calibration

CORRECT, WRONG, BLANK = Outcome.CORRECT.value, Outcome.WRONG.value, Outcome.BLANK.value


def _graded_answers(user):
    """Every graded answer of the student's closed attempts whose key they may see now.

    Practice rounds are included. A quiz that shows explanations only after it closes stays out
    until then: its outcomes would tell its key to friends sitting it.
    """
    return Answer.objects.filter(policy.key_visible_q(timezone.now(), prefix="attempt__"), attempt__user=user)


def cards_shown(user, *, now):
    """The student's review cards of published questions, less those on a paper whose result is
    still withheld (`policy.key_visible_q`): grading moved them by outcomes the student may not
    know yet, so counting them in a box would tell a sealed paper's score. All of that paper's
    questions are left out, right or wrong, so the counts say nothing about its outcomes."""
    withheld = Answer.objects.filter(attempt__user=user).exclude(policy.key_visible_q(now, prefix="attempt__"))
    return ReviewCard.objects.filter(user=user, question__status=Question.Status.PUBLISHED).exclude(
        question__in=withheld.values("question")
    )


def cards_practisable(user, *, now):
    """The one rule for which review cards a practice round may draw, due or not: shown
    (`cards_shown`), still being learned, and not sealed by any quiz (a practice round shows its
    key straight after). The rounds below, home and the practice page all slice this."""
    return cards_shown(user, now=now).learning().exclude(policy.sealed_questions_q(now))


def cards_due(user, *, now):
    """The practisable cards due by today's local date: what the schedule brings back today."""
    return cards_practisable(user, now=now).due(timezone.localdate(now))


class Scope:
    """Which practisable cards a round draws: those due today, those not due yet (practised early),
    or the ones a paper of the student's just sent to practice (its wrong and blank answers)."""

    DUE, EARLY, PAPER = "due", "early", "paper"
    ALL = (DUE, PAPER, EARLY)


def paper_mistakes_q(user, paper: Attempt) -> Q:
    """Cards of the questions `paper` (the student's own, or nothing matches) marked wrong or blank."""
    missed = Answer.objects.filter(attempt=paper, attempt__user=user).exclude(outcome=CORRECT)
    return Q(question__in=missed.values("question"))


# Most urgent first: a card missed while the student was sure (`practice.sure_miss_after`), then
# the lowest box, the longest overdue.
ROUND_ORDER = ("-sure_miss", "box", "due_on", "pk")


def cards_for_round(user, *, now, scope: str = Scope.DUE, paper: Attempt | None = None):
    """The cards a round of `scope` draws from (`paper`: for `Scope.PAPER`), in `ROUND_ORDER`."""
    cards = cards_practisable(user, now=now).order_by(*ROUND_ORDER)
    today = timezone.localdate(now)
    if scope == Scope.DUE:
        return cards.due(today)
    if scope == Scope.EARLY:
        return cards.filter(due_on__gt=today)
    return cards.filter(paper_mistakes_q(user, paper)) if paper is not None else cards.none()


def practice_counts(user, *, now, paper: Attempt | None = None) -> dict[str, int]:
    """How many cards each scope would draw now, in one query (`paper`: the paper to count the mistakes of)."""
    today = timezone.localdate(now)
    counts = {Scope.DUE: Count("pk", filter=Q(due_on__lte=today)), Scope.EARLY: Count("pk", filter=Q(due_on__gt=today))}
    if paper is not None:
        counts[Scope.PAPER] = Count("pk", filter=paper_mistakes_q(user, paper))
    return {Scope.PAPER: 0} | cards_practisable(user, now=now).aggregate(**counts)


def latest_paper(user, *, now) -> Attempt | None:
    """The student's most recently finished quiz paper (not a practice round) whose result they may
    see: the paper whose mistakes the practice page offers at once."""
    return (
        Attempt.objects.filter(policy.key_visible_q(now), user=user, quiz__is_practice=False)
        .select_related("quiz")
        .order_by("-submitted_at", "-pk")
        .first()
    )


def score_percent(attempt: Attempt) -> Fraction | None:
    if not attempt.max_score:
        return None
    return Fraction(attempt.score) / Fraction(attempt.max_score)


# --- history -------------------------------------------------------------------------------------


def history(user, *, quiz: Quiz | None = None):
    """The student's closed attempts, newest first."""
    attempts = Attempt.objects.filter(user=user).closed().select_related("quiz").order_by("-submitted_at", "-pk")
    return attempts.filter(quiz=quiz) if quiz is not None else attempts


def quizzes_taken(user) -> list[Quiz]:
    """The quizzes the student has closed attempts at, for the history filter."""
    return list(Quiz.objects.filter(attempts__in=Attempt.objects.filter(user=user).closed()).distinct())


@dataclass(frozen=True)
class HistorySummary:
    papers: int
    questions: int
    correct: int
    wrong: int
    blank: int
    best: Fraction | None  # best score as a share of the maximum
    average: Fraction | None
    awaiting: int = 0  # papers left out: their quiz has not released its results

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def history_summary(attempts, *, now) -> HistorySummary:
    """Totals over a history queryset's papers whose results are released (`policy.key_visible_q`),
    and how many are not yet (`awaiting`), in two queries."""
    shown = policy.key_visible_q(now)
    totals = attempts.order_by().aggregate(
        papers=Count("pk", filter=shown),
        questions=Coalesce(Sum("question_count", filter=shown), 0),
        correct=Coalesce(Sum("correct_count", filter=shown), 0),
        wrong=Coalesce(Sum("wrong_count", filter=shown), 0),
        blank=Coalesce(Sum("blank_count", filter=shown), 0),
        awaiting=Count("pk", filter=~shown),
    )
    released = attempts.filter(shown).values_list("score", "max_score")
    shares = [Fraction(score) / Fraction(top) for score, top in released if top]
    return HistorySummary(
        **totals,
        best=max(shares, default=None),
        average=sum(shares, Fraction(0)) / len(shares) if shares else None,
    )


# --- the score chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    attempt: Attempt
    number: int  # 1 for the oldest paper charted: the x-axis counts papers, not days
    x: float
    y: float
    percent: Fraction


@dataclass(frozen=True)
class Chart:
    """Geometry for templates/quiz/_score_chart.svg: a line of score percentages over time."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: list[ChartPoint]
    gridlines: list[tuple[float, int]]  # (y, percent)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def first(self) -> ChartPoint | None:
        return self.points[0] if self.points else None

    @property
    def last(self) -> ChartPoint | None:
        return self.points[-1] if self.points else None


CHART_POINTS = 30  # the most recent papers; older ones stay in the table


def score_chart(attempts, *, width: int = 640, height: int = 260) -> Chart:
    """Score as a percentage of the maximum for the latest papers, oldest on the left.

    Negative marking can take a score below zero, so the axis runs from the lowest multiple of
    20 at or below the worst score (never above 0) to 100.
    """
    recent = [a for a in attempts.select_related("quiz")[:CHART_POINTS] if a.max_score][::-1]
    left, right, top, bottom = 64, width - 16, 16, height - 36  # room for "-40%" at a phone's label size
    shares = [score_percent(a) * 100 for a in recent]
    low = min(0, *(int(s // 20) * 20 for s in shares)) if shares else 0
    span = 100 - low

    def y_of(value: Fraction) -> float:
        return bottom - float(value - low) / span * (bottom - top)

    step = (right - left) / (len(recent) - 1) if len(recent) > 1 else 0
    points = [
        ChartPoint(
            attempt=attempt,
            number=i + 1,
            x=left + step * i if len(recent) > 1 else (left + right) / 2,
            y=y_of(share),
            percent=share,
        )
        for i, (attempt, share) in enumerate(zip(recent, shares, strict=True))
    ]
    gridlines = [(y_of(Fraction(value)), value) for value in range(low, 101, 20)]
    return Chart(width, height, left, right, top, bottom, points, gridlines)


# --- calibration ---------------------------------------------------------------------------------


def confidence_calibration(user) -> list[CalibrationLevel]:
    """How often the student's answers at each confidence level were right, across every graded
    answer whose key they may see (`_graded_answers`), and what each level earned by each answer's
    own marking: one query, counted by level and marking scheme (`scoring.calibration`)."""
    scheme = ("attempt__marks_per_correct", "attempt__penalty_numerator", "attempt__penalty_denominator")
    rows = (
        _graded_answers(user)
        .exclude(outcome=BLANK)
        .values("confidence", *scheme)
        .annotate(correct=Count("pk", filter=Q(outcome=CORRECT)), wrong=Count("pk", filter=Q(outcome=WRONG)))
        .order_by()
    )
    return calibration(
        (
            row["confidence"],
            Marking.of(
                marks_per_correct=row["attempt__marks_per_correct"],
                penalty_numerator=row["attempt__penalty_numerator"],
                penalty_denominator=row["attempt__penalty_denominator"],
            ),
            row["correct"],
            row["wrong"],
        )
        for row in rows
    )


# --- mastery -------------------------------------------------------------------------------------


@dataclass
class TopicMastery:
    """Outcomes in one topic: over a student's history, or one paper's (`score`: the marks they earned,
    exact; `score_shown`: to two decimals as a breakdown shows them, `scoring.apportion`ed so that
    the rows add up to their total). `topic` None: all the topics together."""

    topic: Topic | None
    correct: int = 0
    wrong: int = 0
    blank: int = 0
    score: Fraction = field(default_factory=Fraction)
    score_shown: Decimal | None = None

    @property
    def questions(self) -> int:
        return self.correct + self.wrong + self.blank

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def topic_mastery(user) -> list[TopicMastery]:
    """Per topic, over every graded answer: weakest accuracy first, topics never attempted last.

    Read from the student's tallies (counted at grading), less the papers whose results are still
    withheld (`policy.key_visible_q`): few, so the cost does not grow with the history.
    """
    # Found through the withheld papers (few), not by reading every answer of the student's.
    withheld_papers = Attempt.objects.filter(user=user).exclude(policy.key_visible_q(timezone.now())).values("pk")
    withheld = (
        Answer.objects.filter(attempt__in=withheld_papers, question__topic=OuterRef("question__topic"))
        .order_by()
        .values("question__topic")
    )

    def shown(outcome: str) -> Sum:
        hidden = withheld.filter(outcome=outcome).annotate(n=Count("pk")).values("n")
        return Sum(outcome) - Coalesce(Subquery(hidden), 0)

    counts = {
        row.pop("question__topic"): row
        for row in QuestionTally.objects.filter(user=user)
        .values("question__topic")
        .annotate(correct=shown(CORRECT), wrong=shown(WRONG), blank=shown(BLANK))
        .order_by()
    }
    counts = {topic: row for topic, row in counts.items() if any(row.values())}
    topics = Topic.objects.filter(pk__in=list(counts))
    mastery = [TopicMastery(topic=topic, **counts[topic.pk]) for topic in topics]
    return sorted(mastery, key=lambda m: (m.accuracy is None, m.accuracy or 0, m.topic.order, m.topic.name))


@dataclass
class TrapRow:
    question: Question
    met: int
    fell: int
    last_outcome: str

    @property
    def since_mastered(self) -> bool:
        return self.last_outcome == CORRECT


@dataclass
class TrapRecord:
    met: int  # distinct trap questions the student has been set
    rows: list[TrapRow]  # the traps fallen for at least once, most often first

    @property
    def fallen(self) -> int:
        return len(self.rows)


def trap_record(user) -> TrapRecord:
    """Which trap questions the student fell for (chose a wrong option), naming each misconception.

    From the tallies, less the questions a quiz still seals (`policy.sealed_questions_q`). That
    also leaves out every paper whose result is withheld: such a paper is of a sealed quiz, so
    its questions are sealed (a sealed quiz needs a close: `quiz_after_close_needs_a_close`).
    """
    rows = list(
        QuestionTally.objects.filter(user=user, question__is_trap=True)
        .exclude(policy.sealed_questions_q(timezone.now()))
        .values("question", "correct", "wrong", "blank", "last_outcome")
    )
    fallen = {row["question"]: row for row in rows if row["wrong"]}
    questions = Question.objects.filter(pk__in=list(fallen)).select_related("note__topic")
    trap_rows = [
        TrapRow(
            question=q,
            met=fallen[q.pk]["correct"] + fallen[q.pk]["wrong"] + fallen[q.pk]["blank"],
            fell=fallen[q.pk]["wrong"],
            last_outcome=fallen[q.pk]["last_outcome"],
        )
        for q in questions
    ]
    trap_rows.sort(key=lambda row: (row.since_mastered, -row.fell, row.question.key))
    return TrapRecord(met=len(rows), rows=trap_rows)


@dataclass(frozen=True)
class SeenStatement:
    """A statement as the student's latest paper showed it (from the pinned version)."""

    key: str
    number: int
    text: str
    is_true: bool


@dataclass
class StatementMastery:
    statement: SeenStatement
    question: Question
    label: str
    judged: int = 0
    misjudged: int = 0

    @property
    def share(self) -> Fraction:
        return Fraction(self.misjudged, self.judged)


# Kinds where a chosen option says how each statement was judged (a count does not say which).
JUDGED_KINDS = [Kind.STATEMENTS_CORRECT, Kind.ASSERTION_REASON]


def statement_mastery(user, *, limit: int = 8) -> list[StatementMastery]:
    """The statements the student misjudged most, over every answered statement question.

    Each answer was judged at grading against the version its paper showed (a correct answer
    judged every statement rightly; a wrong one exactly those `QuestionVersion.misjudged_by`
    names; blanks judged nothing) and counted in the student's statement tallies. A statement is
    counted by its key across versions, and shown as the student's latest paper showed it. Sealed
    questions stay out, as in `trap_record` (which says why that covers withheld papers too).
    """
    share = ExpressionWrapper(Cast("misjudged", FloatField()) / F("judged"), output_field=FloatField())
    tallies = list(
        StatementTally.objects.filter(user=user, misjudged__gt=0)
        .exclude(policy.sealed_questions_q(timezone.now()))
        .select_related("question__note__topic")
        .order_by(F("misjudged").desc(), share.desc(), "question__key", "number")[:limit]
    )
    versions = QuestionVersion.objects.in_bulk({tally.version_id for tally in tallies})
    rows = []
    for tally in tallies:
        label, shown = versions[tally.version_id].labelled_statements()[tally.number - 1]
        statement = SeenStatement(key=shown["key"], number=tally.number, text=shown["text"], is_true=shown["is_true"])
        rows.append(
            StatementMastery(
                statement=statement,
                question=tally.question,
                label=label,
                judged=tally.judged,
                misjudged=tally.misjudged,
            )
        )
    return rows
