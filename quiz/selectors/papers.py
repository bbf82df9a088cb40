"""What the quiz pages and the paper read: quizzes with their lengths, the paper being sat, and
what pressing Start would do (`policy.start_check` fed with the student's attempts)."""

from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from string import ascii_lowercase

from django.db.models import Count, Min, Q

from content import fragments
from content.models import Question
from quiz import policy
from quiz.models import Attempt, ExtraTime, Quiz
from quiz.models.attempts import in_shown_order
from quiz.selectors.results import choice_ids_by_key

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


@dataclass(frozen=True)
class Paper:
    items: list[dict]
    answered: int
    marked: int


def paper_with_answers(attempt: Attempt) -> Paper:
    """The open paper as its student sees it, in a fixed number of queries: each question's text
    (rendered once per version for every student, `content.fragments`) with what is this student's
    own: their question order, option order, saved answer, review mark and palette state.

    Items are dicts, not objects: a 100-question paper looks thousands of values up in its
    template (when a question's rendering is not kept, `quiz_tags.paper_questions`), and a dict is
    the lookup Django's templates try first.
    """
    rows = list(
        attempt.items.order_by("position")
        .annotate(stamp=fragments.stamp("version__created_at"))
        .values_list("question_id", "position", "version_id", "stamp", "choice_order")
    )
    stamps = {version_id: stamp for _, _, version_id, stamp, _ in rows}
    choice_ids = choice_ids_by_key([row[0] for row in rows])
    texts = fragments.version_texts(stamps)
    saved = {
        question: (choice, marked, confidence)
        for question, choice, marked, confidence in attempt.answers.values_list(
            "question_id", "choice_id", "marked", "confidence"
        )
    }
    items = []
    for question_id, position, version_id, _, order in rows:
        text, ids = texts[version_id], choice_ids[question_id]
        chosen, marked, confidence = saved.get(question_id, (None, False, ""))
        # An option whose row was removed since the start cannot be answered: the paper leaves it out.
        options = [(ids[key], label) for key, label in text.choices if key in ids]
        options = in_shown_order(options, order, pk=itemgetter(0))
        state = _palette_state(question_id in saved, chosen, marked)
        items.append(
            {
                "question_id": question_id,
                "position": position,
                "version_id": version_id,
                "text": text.html,
                "choices": [
                    {"pk": pk, "letter": letter, "text": label, "checked": pk == chosen}
                    for letter, (pk, label) in zip(ascii_lowercase, options, strict=False)
                ],
                "chosen": chosen,
                "marked": marked,
                "confidence": confidence,
                # What the page last knew saved (`views._form_answers`): "<choice id or empty>:<1 or 0>:<tag>".
                "was": f"{'' if chosen is None else chosen}:{int(marked)}:{confidence}",
                "state": state,
                "state_label": PALETTE_STATES[state],
                "current": False,
            }
        )
    answered = sum(1 for choice, _, _ in saved.values() if choice is not None)
    return Paper(items=items, answered=answered, marked=sum(1 for _, marked, _ in saved.values() if marked))


def paper_show_one(items: list[dict], *, position: int) -> None:
    """One question per screen: flag the question shown (`current`). Being on screen is being
    visited, so a question never opened before shows as not answered, as in the exam hall."""
    for item in items:
        item["current"] = item["position"] == position
        if item["current"] and item["state"] == "not-visited":
            item["state"] = "not-answered"
            item["state_label"] = PALETTE_STATES[item["state"]]


def _palette_state(saved: bool, choice_id: int | None, marked: bool) -> str:
    if not saved:
        return "not-visited"
    if choice_id is not None:
        return "answered-marked" if marked else "answered"
    return "marked" if marked else "not-answered"
