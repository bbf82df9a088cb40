"""Item analysis for staff: per question of a quiz, facility, discrimination, option counts, time, and
how many were sure and wrong."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, FloatField, Q
from django.db.models.functions import Cast

from content.models import Choice, Question
from quiz.models import Answer, Attempt, Quiz
from quiz.scoring import Confidence, Outcome
from quiz.selectors.results import TIE

CORRECT, WRONG = Outcome.CORRECT.value, Outcome.WRONG.value


FACILITY_LOW, FACILITY_HIGH, DISCRIMINATION_LOW = Fraction(1, 5), Fraction(9, 10), Fraction(1, 10)
GROUP_SHARE = Fraction(27, 100)
# Students who said Sure and were wrong: from this many on, a question is flagged. A working trap
# (a misconception held with confidence) shows so, and so does a wrong key: staff check which.
SURE_WRONG_FLAG = 2


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
    sure_wrong: int = 0  # answered wrongly by students who said they were Sure
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
        if self.sure_wrong >= SURE_WRONG_FLAG:
            flags.append(f"{self.sure_wrong} sure and wrong: a working trap, or a wrong key?")
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
    "sure_wrong": lambda row: row.sure_wrong,
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
        upper = Q(lead_upper__gte=-TIE)
        lower = Q(lead_lower__lte=TIE)
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
            sure_wrong=Count("pk", filter=Q(outcome=WRONG, confidence=Confidence.SURE)),
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
                sure_wrong=row["sure_wrong"],
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
