"""What the quiz pages and the paper read: quizzes with their lengths, the paper being sat, and
what pressing Start would do (`policy.start_check` fed with the student's attempts)."""

from datetime import datetime

from django.db.models import Count, Min, Q

from content.models import Question
from quiz import policy
from quiz.models import Answer, Attempt, ExtraTime, Quiz
from quiz.selectors.results import paper_items

PALETTE_STATES = {
    "not-visited": "Not visited",
    "not-answered": "Not answered",
    "answered": "Answered",
    "marked": "Marked for review",
    "answered-marked": "Answered and marked for review",
}


def attempt_sitting(user, *, now: datetime) -> Attempt | None:
    """The paper the student is sitting now (open and taking answers), if any: one at a time."""
    return Attempt.objects.filter(policy.accepting_q(now), user=user).select_related("quiz").first()


def closed_book_paper(user, *, now: datetime) -> Attempt | None:
    """The paper under exam conditions the student sits now, if any: while it runs the study notes
    are closed to them (content's study pages ask through settings.STUDY_CLOSED_BOOK)."""
    return (
        Attempt.objects.filter(policy.accepting_q(now), user=user, quiz__exam_conditions=True)
        .select_related("quiz")
        .first()
    )


def topic_test_links(*, now: datetime) -> dict[int, str]:
    """Each study topic's test, as the address of its quiz page, by topic id: for the study pages'
    "Test yourself on this topic" (content asks through settings.STUDY_TOPIC_TESTS). In one query.

    A topic's test is a published quiz open now whose rule draws from that one topic and nothing
    narrower (every source and difficulty, not traps only), showing its key after each submission
    (a test yourself that shows nothing would teach nothing); if several, the first in the quiz
    list. The bank ships one per topic (content/bank/quizzes.yaml); an author adds one in the admin.
    """
    quizzes = (
        Quiz.objects.published()
        .filter(
            Q(opens_at__isnull=True) | Q(opens_at__lte=now),
            Q(closes_at__isnull=True) | Q(closes_at__gt=now),
            selection=Quiz.Selection.RULE,
            explanations=Quiz.Explanations.AFTER_SUBMIT,
            rule_traps_only=False,
            rule_difficulty_min=1,
            rule_difficulty_max=3,
        )
        .annotate(
            topics=Count("rule_topics", distinct=True),
            sources=Count("rule_sources", distinct=True),
            topic=Min("rule_topics"),
        )
        .filter(topics=1, sources=0)
        .order_by("-position", "-title")  # the first in the list is written last, so it wins
        .only("slug", "is_practice")
    )
    return {quiz.topic: quiz.get_absolute_url() for quiz in quizzes}


def quizzes_with_lengths(quizzes) -> list[Quiz]:
    """The quizzes with `length` (questions a paper would set now) and `duration`, in a fixed number of queries."""
    quizzes = list(quizzes.with_fixed_counts().prefetch_related("rule_topics", "rule_sources"))
    lengths = quiz_lengths(quizzes)
    for quiz in quizzes:
        quiz.length = lengths[quiz.pk]
        quiz.duration = quiz.time_for(quiz.length)
    return quizzes


def quiz_lengths(quizzes: list[Quiz]) -> dict[int, int]:
    """How many questions each quiz would set now, in at most one query for any number of rule quizzes.

    Fixed quizzes need `with_fixed_counts()`; rule quizzes their topics and sources prefetched.
    """
    lengths = {quiz.pk: quiz.fixed_count for quiz in quizzes if quiz.selection == Quiz.Selection.FIXED}
    rule_quizzes = [quiz for quiz in quizzes if quiz.selection == Quiz.Selection.RULE]
    if rule_quizzes:
        counts = Question.objects.aggregate(
            **{f"q{quiz.pk}": Count("pk", filter=quiz.draw_filter()) for quiz in rule_quizzes}
        )
        for quiz in rule_quizzes:
            available = counts[f"q{quiz.pk}"]
            lengths[quiz.pk] = min(available, quiz.rule_count) if quiz.rule_count else available
    return lengths


def start_check_for(user, *, quiz: Quiz, attempts: list[Attempt], now: datetime) -> policy.StartCheck:
    """What Start would do for the student now; `attempts` are theirs at this quiz, `quiz.length` known.

    A paper past its time reads as closed here (a page never closes it): Start closes it first.
    """
    sitting = attempt_sitting(user, now=now)
    return policy.start_check(quiz=quiz, open_attempt=sitting, taken=len(attempts), length=quiz.length, now=now)


def extra_time_of(user) -> ExtraTime | None:
    return ExtraTime.objects.filter(user=user).first()


def paper_with_answers(attempt: Attempt) -> tuple[list, dict[int, Answer]]:
    """The open paper's items as the student sees them, each with its saved answer and palette state."""
    items = paper_items(attempt)
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    for item in items:
        item.answer = answers.get(item.question_id)
        item.state = _palette_state(item.answer)
        item.state_label = PALETTE_STATES[item.state]
        # An option whose row was removed since the start cannot be answered: the paper leaves it out.
        item.choices = [choice for choice in item.choices if choice.pk is not None]
    return items, answers


def paper_show_one(items: list, *, position: int) -> None:
    """One question per screen: flag the question shown (`item.current`). Being on screen is being
    visited, so a question never opened before shows as not answered, as in the exam hall."""
    for item in items:
        item.current = item.position == position
        if item.current and item.state == "not-visited":
            item.state = "not-answered"
            item.state_label = PALETTE_STATES[item.state]


def _palette_state(answer: Answer | None) -> str:
    if answer is None:
        return "not-visited"
    if answer.choice_id is not None:
        return "answered-marked" if answer.marked else "answered"
    return "marked" if answer.marked else "not-answered"
