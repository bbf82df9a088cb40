"""What a result page reads: when a quiz releases its results, the review of a closed paper (rows
as the student saw them, topic rows) and its standing among every student's first attempt.

Whether the result may be read at all is `policy.result_withheld_until`, and its review
`policy.review_check`; the view asks them first.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from string import ascii_lowercase

from django.db.models import Count, DecimalField, ExpressionWrapper, F, FloatField, Max, Min, Q, Sum
from django.db.models.functions import Cast
from django.urls import reverse

from content import fragments
from content.models import Choice, Note, Question, Topic
from quiz import policy
from quiz.models import Attempt, Quiz
from quiz.models.attempts import in_shown_order
from quiz.scoring import Outcome, RiskReport, apportion, risk_report, to_decimal
from quiz.selectors.progress import TopicMastery

REVIEW_FILTERS = {
    "all": "All",
    "wrong": "Wrong",
    "blank": "Unanswered",
    "correct": "Correct",
    "marked": "Marked for review",
}


def key_releases(quizzes, *, now: datetime) -> dict[int, datetime | None]:
    """When each quiz releases its key and results (`policy.release_at`), by quiz id: the one
    source of the release time every page shows. One query for any number of sealed quizzes (the
    deadline of each one's last paper still running), none when no quiz is sealed."""
    quizzes = {quiz.pk: quiz for quiz in quizzes}
    sealed = [pk for pk, quiz in quizzes.items() if quiz.explanations == Quiz.Explanations.AFTER_CLOSE]
    last = {}
    if sealed:
        last = dict(
            Attempt.objects.filter(policy.accepting_q(now), quiz__in=sealed)
            .values("quiz")
            .annotate(last=Max("deadline"))
            .order_by()
            .values_list("quiz", "last")
        )
    return {pk: policy.release_at(quiz, last_running_deadline=last.get(pk)) for pk, quiz in quizzes.items()}


def results_withheld(attempts, *, viewer, now: datetime) -> None:
    """Set `withheld_until` on each closed attempt (its quiz loaded): when its result appears to
    `viewer`, or None if it shows now (`policy.result_withheld_until`)."""
    releases = key_releases({attempt.quiz_id: attempt.quiz for attempt in attempts}.values(), now=now)
    for attempt in attempts:
        attempt.withheld_until = policy.result_withheld_until(
            attempt, release=releases[attempt.quiz_id], viewer=viewer, now=now
        )


def choice_ids_by_key(question_ids: list[int]) -> dict[int, dict[str, int]]:
    """{question id: {choice key: Choice id}}, in one query: a version names its options by key,
    answers and a paper's option order by the rows' ids."""
    choice_ids = defaultdict(dict)
    for question_id, key, pk in Choice.objects.filter(question__in=question_ids).values_list(
        "question_id", "key", "pk"
    ):
        choice_ids[question_id][key] = pk
    return choice_ids


@dataclass(frozen=True)
class Misjudged:
    """Which statements a wrong answer to a statement question judged wrongly (worded by `quiz_tags.misjudged`).

    `labels` None: the answer miscounted (a count does not say which); empty: an assertion-reason
    answer that judged both statements rightly and missed only whether II explains I.
    """

    kind: str
    labels: tuple[str, ...] | None


def _misjudged(key: fragments.VersionKey, choice_key: str) -> Misjudged | None:
    by_choice = dict(key.misjudged)
    if not key.labels or choice_key not in by_choice:
        return None  # not a statement question, or an option the version never had
    numbers = by_choice[choice_key]
    if numbers is None:
        return Misjudged(kind=key.kind, labels=None)
    return Misjudged(kind=key.kind, labels=tuple(key.labels[number - 1] for number in numbers))


# What a review reads of each question, as values: building a hundred rows of models (question,
# topic, note, its topic and source, version) cost more than the rest of the result page.
REVIEW_FIELDS = (
    "question_id",
    "position",
    "version_id",
    "stamp",
    "choice_order",
    "question__is_trap",
    "question__trap_note",
    "question__topic_id",
    "question__topic__slug",
    "question__topic__name",
    "question__topic__order",
    "question__note__key",
    "question__note__heading",
    "question__note__section",
    "question__note__topic__slug",
    "question__note__source__title",
)

# What a review reads of each answer, as a tuple (the rows below index it): the choice's key, mark,
# outcome and marks for the review, and the tag and times for the risk report and the time chart.
ANSWER_FIELDS = (
    "question_id",
    "choice_id",
    "choice__key",
    "marked",
    "outcome",
    "marks",
    "confidence",
    "time_spent",
    "active_seconds",
)
CONFIDENCE, TIME_SPENT, ACTIVE_SECONDS = 6, 7, 8


def attempt_review(attempt: Attempt, *, show: str, now: datetime, hide_sealed: bool = True) -> dict:
    """A closed paper's questions with the student's answers, outcomes and keys, filtered by `show`,
    and its marks by topic, each row's `score_shown` rounded so that the rows add up to the total's.

    A question whose key another quiz still seals (`policy.sealed_questions_q`) is shown with the
    student's answer only: no key, outcome, explanation or trap, and it is left out of the topic
    rows and the outcome filters until that quiz releases it. Not with `hide_sealed` False (staff
    reading another student's paper: `policy.reads_as_staff`).

    Texts and keys come from `content.fragments` (a version's key is read only for a question
    whose key this review shows); the versions themselves are read only when not cached yet.
    """
    items = [
        dict(zip(REVIEW_FIELDS, row, strict=True))
        for row in attempt.items.order_by("position")
        .annotate(stamp=fragments.stamp("version__created_at"))
        .values_list(*REVIEW_FIELDS)
    ]
    question_ids = [item["question_id"] for item in items]
    choice_ids = choice_ids_by_key(question_ids)
    answers = {row[0]: row for row in attempt.answers.values_list(*ANSWER_FIELDS)}
    sealed = set()
    if hide_sealed:
        sealed = set(
            Question.objects.filter(policy.sealed_questions_q(now, field="pk"), pk__in=question_ids)
            .values_list("pk", flat=True)
            .distinct()
        )
    versions = fragments.VersionLoader()
    texts = fragments.version_texts({item["version_id"]: item["stamp"] for item in items}, versions=versions)
    keys = fragments.version_keys(
        {item["version_id"]: item["stamp"] for item in items if item["question_id"] not in sealed}, versions=versions
    )
    marking = attempt.marking
    topics: OrderedDict[int, TopicMastery] = OrderedDict()
    for item in items:
        answer = answers.get(item["question_id"])
        item["answer"], item["sealed"] = answer, item["question_id"] in sealed
        if item["sealed"]:
            item["outcome"], item["misjudged"], item["fell_for_trap"] = "sealed", None, False
            continue
        item["outcome"] = answer[4] if answer and answer[4] else Outcome.BLANK.value
        wrong = item["outcome"] == Outcome.WRONG
        item["misjudged"] = _misjudged(keys[item["version_id"]], answer[2]) if wrong else None
        item["fell_for_trap"] = item["question__is_trap"] and wrong
        topic_id = item["question__topic_id"]
        if topic_id not in topics:
            topic = Topic(
                id=topic_id,
                slug=item["question__topic__slug"],
                name=item["question__topic__name"],
                order=item["question__topic__order"],
            )
            topics[topic_id] = TopicMastery(topic=topic)
        row = topics[topic_id]
        outcome = Outcome(item["outcome"])
        setattr(row, outcome.value, getattr(row, outcome.value) + 1)
        row.score += marking.marks_for(outcome)
    show = show if show in REVIEW_FILTERS else "all"
    if show == "marked":
        shown = [item for item in items if item["answer"] and item["answer"][3]]
    elif show != "all":
        shown = [item for item in items if item["outcome"] == show]
    else:
        shown = items
    topic_rows = sorted(topics.values(), key=lambda row: (row.topic.order, row.topic.name))
    # The rows' marks add up to the total shown beneath them (and to the paper's score when no key is sealed).
    for row, shown_score in zip(topic_rows, apportion([row.score for row in topic_rows]), strict=True):
        row.score_shown = shown_score
    topic_total = TopicMastery(
        topic=None,
        correct=sum(row.correct for row in topic_rows),
        wrong=sum(row.wrong for row in topic_rows),
        blank=sum(row.blank for row in topic_rows),
        score=sum((row.score for row in topic_rows), Fraction(0)),
    )
    topic_total.score_shown = to_decimal(topic_total.score)
    topic_urls = {}  # reversed once per topic, not once per question
    return {
        "items": [
            _review_row(
                item,
                text=texts[item["version_id"]],
                key=keys.get(item["version_id"]),
                choice_ids=choice_ids[item["question_id"]],
                topic_urls=topic_urls,
            )
            for item in shown
        ],
        "risk": paper_risk(attempt, items),
        "timing": paper_timing(attempt, items),
        "topic_rows": topic_rows,
        "topic_total": topic_total,
        "show": show,
        "filters": REVIEW_FILTERS,
        "trap_count": sum(1 for item in items if item["question__is_trap"] and not item["sealed"]),
        "traps_fallen": sum(1 for item in items if item["fell_for_trap"]),
        "sealed_count": len(sealed),
    }


# --- the risk report and time per question ---------------------------------------------------------
# Both read the review's items (`attempt_review` has loaded them and their answers), so they cost
# the result page no query. A question whose key another quiz still seals is left out of both: its
# outcome would tell that key.


def paper_risk(attempt: Attempt, items: list) -> RiskReport:
    """A closed paper's answers grouped by the confidence the student gave them (`scoring.risk_report`)."""
    return risk_report(
        attempt.marking,
        (
            (item["answer"][CONFIDENCE] if item["answer"] else "", Outcome(item["outcome"]))
            for item in items
            if not item["sealed"]
        ),
    )


@dataclass(frozen=True)
class TimeBar:
    item: dict  # the review's row (`attempt_review`): position, question id, answer, outcome
    seconds: int
    x: float
    y: float
    width: float
    height: float
    over: int | None  # seconds beyond the paper's pace; None untimed or within it

    @property
    def confidence(self) -> str:
        return self.item["answer"][CONFIDENCE] if self.item["answer"] else ""


@dataclass(frozen=True)
class TimeChart:
    """Geometry for templates/quiz/_time_chart.html: seconds per question as bars, and the pace."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    bars: list[TimeBar]
    gridlines: list[tuple[float, int]]  # (y, seconds)
    pace: int | None  # seconds a question at the paper's pace; None untimed
    pace_y: float | None
    measured: bool  # the page measured the time; False: estimated from when answers were first saved
    slowest: list[TimeBar]

    @property
    def total(self) -> int:
        return sum(bar.seconds for bar in self.bars)


SLOWEST = 5  # questions listed under the chart
_STEPS = (10, 15, 30, 60, 120, 300, 600, 900, 1800)


def paper_timing(attempt: Attempt, items: list, *, width: int = 640, height: int = 240) -> TimeChart:
    """Seconds spent per question against the paper's pace (its time allowed over its questions:
    72 s a question for UPSC), as graded (`Answer.time_spent`: measured, or estimated)."""
    seconds = [
        round(item["answer"][TIME_SPENT].total_seconds()) if item["answer"] and item["answer"][TIME_SPENT] else 0
        for item in items
    ]
    pace = None
    if attempt.is_timed and attempt.question_count:
        pace = round((attempt.deadline - attempt.started_at) / timedelta(seconds=1) / attempt.question_count)
    top_value = max([*seconds, round((pace or 0) * 1.25), 10])
    step = next((s for s in _STEPS if top_value / s <= 5), _STEPS[-1])
    ceiling = -(-top_value // step) * step
    left, right, top, bottom = 76, width - 12, 12, height - 32  # room for "1200 s" at a phone's label size

    def y_of(value: int) -> float:
        return bottom - value / ceiling * (bottom - top)

    slot = (right - left) / max(1, len(items))
    bars = [
        TimeBar(
            item=item,
            seconds=value,
            x=left + slot * i + slot * 0.15,
            y=y_of(value),
            width=max(1.0, slot * 0.7),
            height=bottom - y_of(value),
            over=value - pace if pace and value > pace else None,
        )
        for i, (item, value) in enumerate(zip(items, seconds, strict=True))
    ]
    slowest = sorted((bar for bar in bars if bar.seconds), key=lambda bar: (-bar.seconds, bar.item["position"]))
    return TimeChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        bars=bars,
        gridlines=[(y_of(value), value) for value in range(0, ceiling + 1, step)],
        pace=pace,
        pace_y=y_of(pace) if pace else None,
        measured=any(item["answer"] and item["answer"][ACTIVE_SECONDS] for item in items),
        slowest=slowest[:SLOWEST],
    )


@dataclass(frozen=True)
class Cohort:
    """The field a paper is ranked in (every first attempt, this one standing in for its student's
    own), for comparison: the topper's and the average score. In marks when every paper in it has the
    same maximum (a live mock's papers do), else None; as a share of the maximum, in percent, always."""

    top: Decimal | None
    average: Decimal | None
    top_percent: Decimal
    average_percent: Decimal


def _review_row(item: dict, *, text, key, choice_ids: dict[str, int], topic_urls: dict) -> dict:
    """One question of a review as quiz/_review_question.html prints it (`quiz_tags.review_questions`
    keeps each rendering by these fields): a sealed question carries no key, outcome or explanation."""
    answer, sealed = item["answer"], item["sealed"]
    chosen = answer[2] if answer else None  # the chosen option's key
    correct = () if sealed or key is None else key.correct
    # In the order the student saw them; one whose row was removed since sorts last, as on the paper.
    options = in_shown_order(list(text.choices), item["choice_order"], pk=lambda option: choice_ids.get(option[0]))
    slug = item["question__note__topic__slug"]
    if slug not in topic_urls:
        topic_urls[slug] = reverse("study_topic", args=[slug])
    return {
        "question_id": item["question_id"],
        "position": item["position"],
        "is_trap": item["question__is_trap"],
        "sealed": sealed,
        "outcome": item["outcome"],
        "marks": answer[5] if answer and not sealed else "",
        "marked": bool(answer and answer[3]),
        "text": text.html,
        "choices": [
            {"letter": letter, "text": label, "is_key": option_key in correct, "chosen": option_key == chosen}
            for letter, (option_key, label) in zip(ascii_lowercase, options, strict=False)
        ],
        "key": None if sealed else key,
        "misjudged": item["misjudged"],
        "trap_note": item["question__trap_note"] if item["fell_for_trap"] else "",
        "fell_for_trap": item["fell_for_trap"],
        "note_url": Note.url_in(topic_urls[slug], key=item["question__note__key"]),
        "note_heading": item["question__note__heading"],
        "note_source": item["question__note__source__title"],
        "note_section": item["question__note__section"],
    }


@dataclass(frozen=True)
class Standing:
    rank: int  # 1 + how many other first attempts scored higher
    of: int  # first attempts compared, this one included
    tied: int  # other first attempts with the same score
    percentile: Fraction | None  # None when nobody else has sat it
    first_attempt: bool  # False: a retake, ranked as if it were the first
    cohort: Cohort | None = None

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
TIE = Decimal("0.00005")
# A paper's score as a percentage of its maximum, for the field's topper and average (floats, as
# SQLite would divide two whole numbers of marks as integers).
SHARE = Cast("score", FloatField()) * 100 / Cast("max_score", FloatField())


def standing(attempt: Attempt) -> Standing | None:
    """Rank and percentile of a closed attempt among every student's first attempt at its quiz.

    Scores are compared as a share of each paper's maximum (a rule quiz's length can change), by
    cross-multiplying exact decimals. The student's own first attempt is replaced by this one, so a
    retake is ranked as if it were their first. Percentile rank = (others below + half of others
    tied) / others, in percent: it says what share of the field this score beats. Papers with equal
    scores share a rank (1 + the papers above), so the next score down skips as many places.

    With it, the field's topper and average (`Cohort`), from the same one query: a live mock's result
    shows them beside the all-India rank.
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
            higher=Count("pk", filter=Q(lead__gt=TIE)),
            lower=Count("pk", filter=Q(lead__lt=-TIE)),
            total=Count("pk"),
            top=Max("score"),
            scores=Sum("score"),
            top_share=Max(SHARE),
            shares=Sum(SHARE),
            least_max=Min("max_score"),
            most_max=Max("max_score"),
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
        cohort=_cohort(attempt, others),
    )


def _cohort(attempt: Attempt, others: dict) -> Cohort:
    """The topper and the average of the field: the other first attempts' aggregates with this paper."""
    count = others["total"] + 1
    own_share = attempt.score * 100 / attempt.max_score
    top_share = max(own_share, Decimal(repr(others["top_share"]))) if others["total"] else own_share
    shares = Decimal(repr(others["shares"] or 0)) + own_share
    top = average = None
    if not others["total"] or others["least_max"] == others["most_max"] == attempt.max_score:
        top = (max(attempt.score, others["top"]) if others["total"] else attempt.score).quantize(Decimal("0.01"))
        # SQLite adds decimals as floats (-2.91 + -3.33 + 6.15 comes back as -0.0900000000000003), and a
        # mean on a rounding boundary (-0.015) would then round the wrong way: scores have two
        # decimals, so their sum is exact at two.
        scores = Decimal(others["scores"] or 0).quantize(Decimal("0.01"))
        average = (scores + attempt.score) / count
    return Cohort(
        top=top,
        average=None if average is None else average.quantize(Decimal("0.01"), ROUND_HALF_UP),
        top_percent=top_share.quantize(Decimal("0.1"), ROUND_HALF_UP),
        average_percent=(shares / count).quantize(Decimal("0.1"), ROUND_HALF_UP),
    )
