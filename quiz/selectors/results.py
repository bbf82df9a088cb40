"""What a result page reads: when a quiz releases its results, the review of a closed paper (rows
as the student saw them, topic rows) and its standing among every student's first attempt.

Whether the result may be read at all is `policy.result_withheld_until`, and its review
`policy.review_check`; the view asks them first.
"""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from string import ascii_lowercase

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q

from content import fragments
from content.models import Choice, Question
from quiz import policy
from quiz.models import Attempt, Quiz
from quiz.scoring import Outcome, apportion, to_decimal
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


def paper_items(attempt: Attempt, *, for_review: bool = False) -> list:
    """The paper's items with their pinned versions and options as the student saw them, in a fixed number of queries.

    What is shown (stem, statements, options, explanation) comes from the version; a review also
    loads the question, for what is not versioned (topic, note, trap note).
    """
    items = (
        attempt.items.order_by("position")
        .select_related("version")
        .annotate(stamp=fragments.stamp("version__created_at"))
    )
    if for_review:
        items = items.select_related("question__topic", "question__note__topic", "question__note__source")
    items = list(items)
    choice_ids = choice_ids_by_key([i.question_id for i in items])
    for item in items:
        item.choices = item.shown_choices(choice_ids[item.question_id])
    return items


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


def _misjudged(version, answer) -> Misjudged | None:
    if not version.is_statement_kind or version.choice(answer.choice.key) is None:
        return None
    numbers = version.misjudged_by(answer.choice.key)
    if numbers is None:
        return Misjudged(kind=version.kind, labels=None)
    labels = dict(enumerate((label for label, _ in version.labelled_statements()), start=1))
    return Misjudged(kind=version.kind, labels=tuple(labels[number] for number in numbers))


def attempt_review(attempt: Attempt, *, show: str, now: datetime, hide_sealed: bool = True) -> dict:
    """A closed paper's questions with the student's answers, outcomes and keys, filtered by `show`,
    and its marks by topic, each row's `score_shown` rounded so that the rows add up to the total's.

    A question whose key another quiz still seals (`policy.sealed_questions_q`) is shown with the
    student's answer only: no key, outcome, explanation or trap, and it is left out of the topic
    rows and the outcome filters until that quiz releases it. Not with `hide_sealed` False (staff
    reading another student's paper: `policy.reads_as_staff`).
    """
    items = paper_items(attempt, for_review=True)
    answers = {a.question_id: a for a in attempt.answers.select_related("choice")}
    sealed = set()
    if hide_sealed:
        sealed = set(
            Question.objects.filter(policy.sealed_questions_q(now, field="pk"), pk__in=[i.question_id for i in items])
            .values_list("pk", flat=True)
            .distinct()
        )
    marking = attempt.marking
    topics: OrderedDict[int, TopicMastery] = OrderedDict()
    for item in items:
        question = item.question
        answer = answers.get(question.pk)
        item.answer = answer
        item.sealed = question.pk in sealed
        if item.sealed:
            item.outcome, item.misjudged, item.fell_for_trap = "sealed", None, False
            continue
        item.outcome = answer.outcome if answer and answer.outcome else Outcome.BLANK.value
        item.misjudged = _misjudged(item.version, answer) if item.outcome == Outcome.WRONG else None
        item.fell_for_trap = question.is_trap and item.outcome == Outcome.WRONG
        row = topics.setdefault(question.topic_id, TopicMastery(topic=question.topic))
        outcome = Outcome(item.outcome)
        setattr(row, outcome.value, getattr(row, outcome.value) + 1)
        row.score += marking.marks_for(outcome)
    show = show if show in REVIEW_FILTERS else "all"
    if show == "marked":
        shown = [item for item in items if item.answer and item.answer.marked]
    elif show != "all":
        shown = [item for item in items if item.outcome == show]
    else:
        shown = items
    versions = {item.version_id: item.version for item in shown}
    stamps = {item.version_id: item.stamp for item in shown}
    texts = fragments.version_texts(stamps, versions=versions)
    # The key's fragment is read only for the questions whose key this review shows.
    keys = fragments.version_keys({i.version_id: i.version for i in shown if not i.sealed}, stamps=stamps)
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
    return {
        "items": [_review_row(item, text=texts[item.version_id], key=keys.get(item.version_id)) for item in shown],
        "topic_rows": topic_rows,
        "topic_total": topic_total,
        "show": show,
        "filters": REVIEW_FILTERS,
        "trap_count": sum(1 for item in items if item.question.is_trap and not item.sealed),
        "traps_fallen": sum(1 for item in items if item.fell_for_trap),
        "sealed_count": len(sealed),
    }


def _review_row(item, *, text: fragments.VersionText, key: fragments.VersionKey | None) -> dict:
    """One question of a review as quiz/_review_question.html prints it (`quiz_tags.review_questions`
    keeps each rendering by these fields): a sealed question carries no key, outcome or explanation."""
    answer, question, note = item.answer, item.question, item.question.note
    chosen = answer.choice_id if answer else None
    return {
        "question_id": item.question_id,
        "position": item.position,
        "is_trap": question.is_trap,
        "sealed": item.sealed,
        "outcome": item.outcome,
        "marks": answer.marks if answer and not item.sealed else "",
        "marked": bool(answer and answer.marked),
        "text": text.html,
        "choices": [
            {
                "letter": letter,
                "text": choice.text,
                "is_key": choice.is_correct and not item.sealed,
                "chosen": choice.pk is not None and choice.pk == chosen,
            }
            for letter, choice in zip(ascii_lowercase, item.choices, strict=False)
        ],
        "key": None if item.sealed else key,
        "misjudged": item.misjudged,
        "trap_note": question.trap_note if item.fell_for_trap else "",
        "fell_for_trap": item.fell_for_trap,
        "note_url": note.get_absolute_url(),
        "note_heading": note.heading,
        "note_source": note.source.title,
        "note_section": note.section,
    }


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
TIE = Decimal("0.00005")


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
            higher=Count("pk", filter=Q(lead__gt=TIE)),
            lower=Count("pk", filter=Q(lead__lt=-TIE)),
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
