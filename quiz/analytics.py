"""Read-only figures: a student's history and mastery, a result's standing, a quiz's item analysis.

Everything here reads; nothing writes. Counts come from database aggregation, so a page's query
count does not grow with the number of attempts. Totals count outcomes; they never sum the
rounded `Answer.marks`.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from content.models import Choice, Question, QuestionVersion, Topic
from content.rules import Kind
from quiz.models import Answer, Attempt, AttemptQuestion, Quiz, key_visible_at
from quiz.scoring import Outcome, accuracy_of

CORRECT, WRONG, BLANK = Outcome.CORRECT.value, Outcome.WRONG.value, Outcome.BLANK.value


def _graded_answers(user):
    """Every graded answer of the student's closed attempts whose key they may see now.

    Practice rounds are included. A quiz that shows explanations only after it closes stays out
    until then: its trap notes and statements' truth would give away its key to friends sitting it.
    """
    return Answer.objects.filter(key_visible_at(timezone.now(), prefix="attempt__"), attempt__user=user)


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

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def history_summary(attempts) -> HistorySummary:
    """Totals over a history queryset, in one query."""
    totals = attempts.order_by().aggregate(
        papers=Count("pk"),
        questions=Coalesce(Sum("question_count"), 0),
        correct=Coalesce(Sum("correct_count"), 0),
        wrong=Coalesce(Sum("wrong_count"), 0),
        blank=Coalesce(Sum("blank_count"), 0),
    )
    shares = [Fraction(score) / Fraction(top) for score, top in attempts.values_list("score", "max_score") if top]
    return HistorySummary(
        **totals,
        best=max(shares, default=None),
        average=sum(shares, Fraction(0)) / len(shares) if shares else None,
    )


# --- the score chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    attempt: Attempt
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
            attempt=attempt, x=left + step * i if len(recent) > 1 else (left + right) / 2, y=y_of(share), percent=share
        )
        for i, (attempt, share) in enumerate(zip(recent, shares, strict=True))
    ]
    gridlines = [(y_of(Fraction(value)), value) for value in range(low, 101, 20)]
    return Chart(width, height, left, right, top, bottom, points, gridlines)


# --- mastery -------------------------------------------------------------------------------------


@dataclass
class TopicMastery:
    topic: Topic
    correct: int
    wrong: int
    blank: int

    @property
    def questions(self) -> int:
        return self.correct + self.wrong + self.blank

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def topic_mastery(user) -> list[TopicMastery]:
    """Per topic, over every graded answer: weakest accuracy first, topics never attempted last."""
    rows = (
        _graded_answers(user)
        .values("question__topic")
        .annotate(
            correct=Count("pk", filter=Q(outcome=CORRECT)),
            wrong=Count("pk", filter=Q(outcome=WRONG)),
            blank=Count("pk", filter=Q(outcome=BLANK)),
        )
        .order_by()
    )
    counts = {row.pop("question__topic"): row for row in rows}
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
    """Which trap questions the student fell for (chose a wrong option), naming each misconception."""
    answers = _graded_answers(user)
    latest = answers.filter(question=OuterRef("question")).order_by("-attempt__submitted_at", "-pk")
    rows = list(
        answers.filter(question__is_trap=True)
        .values("question")
        .annotate(
            met=Count("pk"),
            fell=Count("pk", filter=Q(outcome=WRONG)),
            last_outcome=Subquery(latest.values("outcome")[:1]),
        )
        .order_by()
    )
    fallen = {row["question"]: row for row in rows if row["fell"]}
    questions = Question.objects.filter(pk__in=list(fallen)).select_related("note__topic")
    trap_rows = [
        TrapRow(
            question=q, met=fallen[q.pk]["met"], fell=fallen[q.pk]["fell"], last_outcome=fallen[q.pk]["last_outcome"]
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

    Each answer is judged against the version its paper showed (a correct answer judged every
    statement rightly; a wrong one exactly those `QuestionVersion.misjudged_by` names; blanks
    judged nothing). A statement is counted by its key across versions, and shown as the
    student's latest paper showed it.
    """
    pinned = AttemptQuestion.objects.filter(attempt=OuterRef("attempt"), question=OuterRef("question"))
    answers = list(
        _graded_answers(user)
        .filter(Exists(pinned.filter(version__kind__in=JUDGED_KINDS)), choice__isnull=False)
        .annotate(version_id=Subquery(pinned.values("version")[:1]))
        .select_related("choice", "question__note__topic")
        .order_by("attempt__submitted_at", "pk")
    )
    versions = QuestionVersion.objects.in_bulk({answer.version_id for answer in answers})
    tally: dict[tuple[int, str], StatementMastery] = {}
    for answer in answers:
        version = versions[answer.version_id]
        if version.choice(answer.choice.key) is None:
            continue  # an option added after the paper started: it judged nothing the paper showed
        misjudged = set(version.misjudged_by(answer.choice.key) or ())
        for number, (label, shown) in enumerate(version.labelled_statements(), start=1):
            statement = SeenStatement(key=shown["key"], number=number, text=shown["text"], is_true=shown["is_true"])
            row = tally.setdefault(
                (answer.question_id, statement.key),
                StatementMastery(statement=statement, question=answer.question, label=label),
            )
            # Oldest answer first: the row ends showing the statement as the latest paper did.
            row.statement, row.label = statement, label
            row.judged += 1
            row.misjudged += number in misjudged
    worst = [row for row in tally.values() if row.misjudged]
    worst.sort(key=lambda row: (-row.misjudged, -row.share, row.question.key, row.statement.number))
    return worst[:limit]


# --- standing among first attempts ----------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    rank: int  # 1 + how many other first attempts scored higher
    of: int  # first attempts compared, this one included
    tied: int  # other first attempts with the same score
    percentile: Fraction | None  # None when nobody else has sat it
    first_attempt: bool  # False: a retake, ranked as if it were the first

    @property
    def percentile_shown(self) -> int | None:
        """Whole percent, rounded half up, but 100 only when nobody scored as high, 0 only when nobody lower."""
        if self.percentile is None:
            return None
        shown = int(self.percentile + Fraction(1, 2))
        others = self.of - 1
        below = others - (self.rank - 1) - self.tied
        if shown == 100 and below < others:
            return 99
        if shown == 0 and below > 0:
            return 1
        return shown


# Scores have two decimals, so a real difference of two cross-products is at least 0.0001.
_TIE = Decimal("0.00005")


def standing(attempt: Attempt) -> Standing | None:
    """Rank and percentile of a closed attempt among every student's first attempt at its quiz.

    Scores are compared as a share of each paper's maximum (a rule quiz's length can change), by
    cross-multiplying exact decimals. The student's own first attempt is replaced by this one, so a
    retake is ranked as if it were their first. Percentile rank = (others below + half of others
    tied) / others, in percent: it says what share of the field this score beats.
    """
    if attempt.is_open or not attempt.max_score or attempt.quiz.is_practice:
        return None
    others = (
        Attempt.objects.closed()
        .filter(quiz_id=attempt.quiz_id, number=1, max_score__gt=0)
        .exclude(user_id=attempt.user_id)
        .alias(
            lead=ExpressionWrapper(
                F("score") * attempt.max_score - F("max_score") * attempt.score,
                output_field=DecimalField(max_digits=20, decimal_places=6),
            )
        )
        .aggregate(
            higher=Count("pk", filter=Q(lead__gt=_TIE)),
            lower=Count("pk", filter=Q(lead__lt=-_TIE)),
            total=Count("pk"),
        )
    )
    tied = others["total"] - others["higher"] - others["lower"]
    percentile = Fraction(2 * others["lower"] + tied, 2 * others["total"]) * 100 if others["total"] else None
    return Standing(
        rank=others["higher"] + 1,
        of=others["total"] + 1,
        tied=tied,
        percentile=percentile,
        first_attempt=attempt.number == 1,
    )


# --- item analysis (staff) -----------------------------------------------------------------------

FACILITY_LOW, FACILITY_HIGH, DISCRIMINATION_LOW = Fraction(1, 5), Fraction(9, 10), Fraction(1, 10)
GROUP_SHARE = Fraction(27, 100)


@dataclass
class OptionCount:
    choice: Choice
    chosen: int


@dataclass
class ItemRow:
    question: Question
    position: int
    seen: int  # first attempts that were set this question
    answered: int
    correct: int
    facility: Fraction | None  # correct / seen: a blank is not correct
    discrimination: Fraction | None  # p(upper 27%) - p(lower 27%)
    average_time: timedelta | None
    options: list[OptionCount] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility is not None and self.facility < FACILITY_LOW:
            flags.append("too hard (facility below 0.2)")
        if self.facility is not None and self.facility > FACILITY_HIGH:
            flags.append("too easy (facility above 0.9)")
        if self.discrimination is not None and self.discrimination < DISCRIMINATION_LOW:
            flags.append("discriminates poorly (below 0.1)")
        return flags


@dataclass
class ItemAnalysis:
    quiz: Quiz
    students: int  # first attempts analysed
    upper_size: int  # papers in the top 27%, with any tied with its last one
    lower_size: int
    rows: list[ItemRow]


ITEM_SORTS = {
    "position": lambda row: row.position,
    "seen": lambda row: row.seen,
    "answered": lambda row: row.answered,
    "facility": lambda row: (row.facility is None, row.facility or 0),
    "discrimination": lambda row: (row.discrimination is None, row.discrimination or 0),
    "time": lambda row: (row.average_time is None, row.average_time or timedelta(0)),
    "flags": lambda row: -len(row.flags),
}


def item_analysis(quiz: Quiz, *, sort: str = "position") -> ItemAnalysis:
    """Per question of a quiz, over every student's first closed attempt (retakes have seen the key).

    Discrimination is the upper-lower index: the share correct among the top 27% of first-attempt
    scores minus the share among the bottom 27% (scores as a share of the maximum). Papers tied
    with the last one in a group all join it, so the order students sat in never decides a figure;
    when everyone ties, both groups are everyone and the index is 0. It needs two papers.
    The database does the counting: the query count is the same for 1 paper or 10,000.
    """
    papers = Attempt.objects.closed().filter(quiz=quiz, number=1, max_score__gt=0)
    students = papers.count()
    group = max(1, int(GROUP_SHARE * students + Fraction(1, 2))) if students else 0
    upper = lower = Q(pk__in=[])
    sizes = {"upper": 0, "lower": 0}
    if group:
        # Floats only pick the cut papers (SQLite would divide 6 by 10 as integers); groups compare exactly.
        ranked = papers.alias(share=Cast("score", FloatField()) / Cast("max_score", FloatField()))
        upper_cut = ranked.order_by("-share", "pk").values_list("score", "max_score")[group - 1]
        lower_cut = ranked.order_by("share", "pk").values_list("score", "max_score")[group - 1]
        upper = Q(lead_upper__gte=-_TIE)
        lower = Q(lead_lower__lte=_TIE)
        sizes = papers.alias(lead_upper=_lead(upper_cut), lead_lower=_lead(lower_cut)).aggregate(
            upper=Count("pk", filter=upper), lower=Count("pk", filter=lower)
        )
    answers = Answer.objects.filter(attempt__in=papers)
    if group:
        answers = answers.alias(lead_upper=_lead(upper_cut, "attempt__"), lead_lower=_lead(lower_cut, "attempt__"))
    stats = {
        row["question"]: row
        for row in answers.values("question")
        .annotate(
            seen=Count("pk"),
            answered=Count("pk", filter=Q(choice__isnull=False)),
            correct=Count("pk", filter=Q(outcome=CORRECT)),
            upper_seen=Count("pk", filter=upper),
            upper_correct=Count("pk", filter=upper & Q(outcome=CORRECT)),
            lower_seen=Count("pk", filter=lower),
            lower_correct=Count("pk", filter=lower & Q(outcome=CORRECT)),
            average_time=Avg("time_spent", filter=Q(choice__isnull=False)),
        )
        .order_by()
    }
    chosen = defaultdict(dict)
    for question_id, choice_id, count in (
        answers.filter(choice__isnull=False)
        .values("question", "choice")
        .annotate(n=Count("pk"))
        .values_list("question", "choice", "n")
        .order_by()
    ):
        chosen[question_id][choice_id] = count
    positions = (
        dict(quiz.quiz_questions.values_list("question_id", "order")) if quiz.selection == Quiz.Selection.FIXED else {}
    )
    questions = Question.objects.filter(pk__in=list(stats)).select_related("topic").with_options()
    rows = []
    for question in questions:
        row = stats[question.pk]
        discrimination = None
        if students >= 2 and row["upper_seen"] and row["lower_seen"]:
            discrimination = Fraction(row["upper_correct"], row["upper_seen"]) - Fraction(
                row["lower_correct"], row["lower_seen"]
            )
        rows.append(
            ItemRow(
                question=question,
                position=positions.get(question.pk, 0),
                seen=row["seen"],
                answered=row["answered"],
                correct=row["correct"],
                facility=Fraction(row["correct"], row["seen"]) if row["seen"] else None,
                discrimination=discrimination,
                average_time=_as_duration(row["average_time"]),
                options=[
                    OptionCount(choice=choice, chosen=chosen[question.pk].get(choice.pk, 0))
                    for choice in question.choices.all()
                ],
            )
        )
    rows.sort(key=lambda row: (row.position, row.question.key))
    descending = sort.startswith("-")
    key = ITEM_SORTS.get(sort.removeprefix("-"))
    if key is not None:
        rows.sort(key=key, reverse=descending)
    return ItemAnalysis(quiz=quiz, students=students, upper_size=sizes["upper"], lower_size=sizes["lower"], rows=rows)


def _lead(cut: tuple[Decimal, Decimal], prefix: str = ""):
    """How far a paper's share of the maximum is above the cut paper's, cross-multiplied (exact)."""
    score, maximum = cut
    return ExpressionWrapper(
        F(f"{prefix}score") * maximum - F(f"{prefix}max_score") * score,
        output_field=DecimalField(max_digits=20, decimal_places=6),
    )


def _as_duration(value) -> timedelta | None:
    # SQLite averages a duration (stored as microseconds) to a plain number; PostgreSQL to an interval.
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(microseconds=float(value))
