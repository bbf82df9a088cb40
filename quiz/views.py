"""Thin views: look up, check permission, call a service, render. State changes live in services."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from functools import wraps
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from content.models import Choice, Question, QuestionVersion, Topic
from quiz import analytics, services
from quiz.forms import PracticeForm
from quiz.models import Answer, Attempt, ExtraTime, Quiz, ReviewCard, quiz_lengths, running_at
from quiz.practice import BOX_DAYS, LEARNED_BOX
from quiz.scoring import Outcome, accuracy_of, to_decimal

# --- lookups -------------------------------------------------------------------------------------


def _get_attempt_for_user(request: HttpRequest, public_id: UUID, *, staff_may_read: bool = False) -> Attempt:
    """The caller's attempt (or anyone's, for staff reading one), closing it if its time ran out.

    Anyone else gets a 404, never a 403, so an attempt's existence is not revealed.
    """
    attempts = Attempt.objects.select_related("quiz")
    attempts = attempts.for_user(request.user) if staff_may_read else attempts.filter(user=request.user)
    attempt = get_object_or_404(attempts, public_id=public_id)
    if attempt.has_expired_at(timezone.now()):
        attempt = services.attempt_expire(attempt=attempt)
    return attempt


def _quizzes_with_lengths(quizzes) -> list[Quiz]:
    quizzes = list(quizzes.with_fixed_counts().prefetch_related("rule_topics", "rule_sources"))
    lengths = quiz_lengths(quizzes)
    for quiz in quizzes:
        quiz.length = lengths[quiz.pk]
        quiz.duration = quiz.time_for(quiz.length)
    return quizzes


# --- quizzes -------------------------------------------------------------------------------------


@require_GET
def home(request):
    published = Question.objects.published()
    context = {
        "quizzes": _quizzes_with_lengths(Quiz.objects.published()),
        "topics": Topic.objects.with_published_counts(),
        "bank": published.aggregate(total=Count("pk"), traps=Count("pk", filter=Q(is_trap=True))),
    }
    if request.user.is_authenticated:
        mine = Attempt.objects.filter(user=request.user).select_related("quiz")
        context["open_attempts"] = list(mine.running(timezone.now()).order_by("deadline"))
        context["recent"] = list(mine.closed().order_by("-submitted_at")[:5])
        context["due"] = _due_cards(request.user).count()
    return render(request, "quiz/home.html", context)


@require_GET
def quiz_list(request):
    quizzes = _quizzes_with_lengths(Quiz.objects.published())
    if request.user.is_authenticated:
        mine = {
            row["quiz"]: row
            for row in Attempt.objects.filter(user=request.user)
            .values("quiz")
            .annotate(
                taken=Count("pk"),
                open=Count("pk", filter=running_at(timezone.now())),
            )
        }
        for quiz in quizzes:
            quiz.mine = mine.get(quiz.pk)
    return render(request, "quiz/quiz_list.html", {"quizzes": quizzes, "now": timezone.now()})


@require_GET
def quiz_detail(request, slug: str):
    quiz = _get_published_quiz(slug)
    now = timezone.now()
    context = {"quiz": quiz, "window": quiz.window_state(now)}
    if request.user.is_authenticated:
        attempts = [
            services.attempt_expire(attempt=a) if a.has_expired_at(now) else a
            for a in Attempt.objects.filter(user=request.user, quiz=quiz).order_by("-number")
        ]
        context["attempts"] = attempts
        context["open_attempt"] = next((a for a in attempts if a.is_open), None)
        context["other_paper"] = (
            Attempt.objects.filter(user=request.user).running(now).exclude(quiz=quiz).select_related("quiz").first()
        )
        context["attempts_left"] = (
            None if quiz.attempts_allowed is None else max(0, quiz.attempts_allowed - len(attempts))
        )
        extra = ExtraTime.objects.filter(user=request.user).first()
        context["extra_time"] = extra
        context["your_time"] = extra.stretch(quiz.duration) if extra else quiz.duration
    return render(request, "quiz/quiz_detail.html", context)


def _get_published_quiz(slug: str) -> Quiz:
    quizzes = _quizzes_with_lengths(Quiz.objects.published().filter(slug=slug))
    if not quizzes:
        raise Http404("No such quiz.")
    return quizzes[0]


@login_required
@require_POST
def quiz_start(request, slug: str):
    quiz = get_object_or_404(Quiz.objects.published(), slug=slug)
    practice = Attempt.objects.filter(user=request.user, quiz__is_practice=True).in_progress().first()
    try:
        attempt = services.attempt_start(quiz=quiz, user=request.user)
    except services.QuizUnavailable as error:
        messages.error(request, error.message)
        return redirect(quiz)
    if practice is not None:
        practice.refresh_from_db(fields=["status"])
        if not practice.is_open:
            messages.info(
                request,
                "Your practice round was submitted with the answers you had given, so this paper could start. "
                "Its result is in your history.",
            )
    return redirect("attempt_paper", public_id=attempt.public_id)


# --- the paper -----------------------------------------------------------------------------------

PALETTE_STATES = {
    "not-visited": "Not visited",
    "not-answered": "Not answered",
    "answered": "Answered",
    "marked": "Marked for review",
    "answered-marked": "Answered and marked for review",
}


def _palette_state(answer: Answer | None) -> str:
    if answer is None:
        return "not-visited"
    if answer.choice_id is not None:
        return "answered-marked" if answer.marked else "answered"
    return "marked" if answer.marked else "not-answered"


def _items_with_versions(attempt: Attempt, *, for_review: bool = False):
    """The paper's items with their pinned versions and options as the student saw them, in a fixed number of queries.

    What is shown (stem, statements, options, explanation) comes from the version; a review also
    loads the question, for what is not versioned (topic, note, trap note).
    """
    items = attempt.items.order_by("position").select_related("version")
    if for_review:
        items = items.select_related("question__topic", "question__note__topic", "question__note__source")
    items = list(items)
    choice_ids = defaultdict(dict)
    for question_id, key, pk in Choice.objects.filter(question__in=[i.question_id for i in items]).values_list(
        "question_id", "key", "pk"
    ):
        choice_ids[question_id][key] = pk
    for item in items:
        item.choices = item.shown_choices(choice_ids[item.question_id])
    return items


@login_required
@require_GET
@never_cache  # Back must not show a stale paper with old answers and a reset clock
def attempt_paper(request, public_id: UUID):
    attempt = _get_attempt_for_user(request, public_id)
    if not attempt.is_open:
        return redirect("attempt_result", public_id=attempt.public_id)
    items = _items_with_versions(attempt)
    answers = {answer.question_id: answer for answer in attempt.answers.all()}
    for item in items:
        item.answer = answers.get(item.question_id)
        item.state = _palette_state(item.answer)
        item.state_label = PALETTE_STATES[item.state]
        # An option whose row was removed since the start cannot be answered: the paper leaves it out.
        item.choices = [choice for choice in item.choices if choice.pk is not None]
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "items": items,
        "answered": sum(1 for a in answers.values() if a.choice_id is not None),
        "marked": sum(1 for a in answers.values() if a.marked),
        "seconds_left": attempt.seconds_left(),
        "states": PALETTE_STATES,
    }
    return render(request, "quiz/paper.html", context)


MAX_ID = 2**63 - 1  # the largest primary key either database can hold


def _parse_id(value: str) -> int:
    """A primary key from a form field; ValueError for anything else, including ids no row can have."""
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def _parse_was(value: str) -> tuple[int | None, bool] | None:
    """`was-<id>` / `was`: "<choice id or empty>:<1 or 0>" as last saved, or "?" when unknown."""
    if value == "?":
        return None
    choice, separator, mark = value.partition(":")
    if not separator or mark not in ("0", "1"):
        raise ValueError(value)
    return (_parse_id(choice) if choice else None, mark == "1")


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


@require_POST
def attempt_answer(request, public_id: UUID):
    """Autosave of one answer: the JSON contract in README ("The autosave contract")."""
    if not request.user.is_authenticated:
        return _error("You are signed out. Sign in again: your saved answers are kept.", 403, signed_out=True)
    try:
        question_id = _parse_id(request.POST["question"])
        raw_choice = request.POST.get("choice", "")
        choice_id = _parse_id(raw_choice) if raw_choice != "" else None
    except (KeyError, ValueError):
        return _error("Send 'question' as a question id and 'choice' as a choice id, or empty to clear.", 400)
    try:
        was = _parse_was(request.POST["was"]) if "was" in request.POST else None
    except ValueError:
        return _error("Send 'was' as '<choice id or empty>:<1 or 0>', or '?'.", 400)
    marked = request.POST.get("marked", "")
    if marked not in ("", "on"):
        return _error("Send 'marked' as 'on', or leave it out.", 400)
    try:
        progress = services.answer_save(
            user=request.user,
            attempt_public_id=public_id,
            question_id=question_id,
            choice_id=choice_id,
            marked=marked == "on",
            was=was,
        )
    except services.AttemptNotFound as error:
        return _error(error.message, 404)
    except services.AttemptClosed as error:
        return _error(error.message, 409, closed=True)
    except services.InvalidAnswer as error:
        return _error(error.message, 400)
    return JsonResponse(
        {"saved": True, "answered": progress.answered, "marked": progress.marked, "seconds_left": progress.seconds_left}
    )


class MalformedForm(Exception):
    pass


FORM_INTENTS = ("save", "review", "submit")  # and "clear-<question id>": the paper's buttons


def _form_answers(post) -> tuple[dict[int, int | None], dict[int, bool]]:
    """What the paper form changes: choices (None clears) and review marks, by question id.

    Each question on the form carries `was-<id>` = "<choice id or empty>:<1 or 0>": its answer
    and mark as the page last knew them saved (the script updates it after every save, and sets
    "?" while one is unconfirmed, which applies both). Only what differs is applied, so a tab
    left open on one device never overwrites answers saved since from another. A `q-<id>`
    without `was-<id>` (another client) is applied as sent.
    """
    choices: dict[int, int | None] = {}
    marked: dict[int, bool] = {}
    try:
        for name, value in post.items():
            if name.startswith("q-"):
                choices[_parse_id(name[2:])] = _parse_id(value) if value != "" else None
        for name, was in post.items():
            if not name.startswith("was-"):
                continue
            question_id = _parse_id(name[4:])
            known = _parse_was(was)  # None: a save was in flight, so apply what the page shows
            chosen = choices.get(question_id)
            if known is not None and chosen == known[0]:
                choices.pop(question_id, None)
            else:
                choices[question_id] = chosen
            is_marked = f"mark-{question_id}" in post
            if known is None or is_marked != known[1]:
                marked[question_id] = is_marked
        intent = post.get("intent", "review")
        if intent.startswith("clear-"):
            choices[_parse_id(intent.removeprefix("clear-"))] = None
        elif intent not in FORM_INTENTS:
            # Only the paper's own buttons: a request no page makes is refused, not guessed at.
            raise ValueError(intent)
    except ValueError:
        raise MalformedForm from None
    return choices, marked


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def attempt_submit(request, public_id: UUID):
    """GET: confirm, showing what is unanswered. POST: save the form; submit if asked to."""
    attempt = _get_attempt_for_user(request, public_id)
    if not attempt.is_open:
        return redirect("attempt_result", public_id=attempt.public_id)
    if request.method == "GET":
        return _submit_confirmation(request, attempt)
    try:
        choices, marked = _form_answers(request.POST)
    except MalformedForm:
        return _paper_error(request, attempt, "The form could not be read; nothing was saved. Please try again.")
    intent = request.POST.get("intent", "review")
    try:
        if intent == "submit":
            attempt = services.attempt_submit(attempt=attempt, choices=choices, marked=marked)
            return redirect("attempt_result", public_id=attempt.public_id)
        services.answers_save(attempt=attempt, choices=choices, marked=marked)
    except services.InvalidAnswer as error:
        return _paper_error(request, attempt, f"{error.message} Nothing was saved.")
    except services.AttemptClosed as error:
        messages.warning(request, error.message)
        return redirect("attempt_result", public_id=attempt.public_id)
    if intent == "review":
        return redirect("attempt_submit", public_id=attempt.public_id)
    messages.success(request, "Your answers are saved.")
    question = intent.removeprefix("clear-") if intent.startswith("clear-") else ""
    return redirect(f"{attempt.get_absolute_url()}{f'#q-{question}' if question else ''}")


def _paper_error(request, attempt: Attempt, message: str):
    context = {"attempt": attempt, "quiz": attempt.quiz, "message": message}
    return render(request, "quiz/paper_error.html", context, status=400)


def _submit_confirmation(request, attempt: Attempt):
    counts = attempt.answers.progress()
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "answered": counts["answered"],
        "unanswered": attempt.question_count - counts["answered"],
        "marked": counts["marked"],
        "seconds_left": attempt.seconds_left(),
    }
    return render(request, "quiz/submit.html", context)


# --- the result ----------------------------------------------------------------------------------


@dataclass
class TopicRow:
    topic: Topic
    questions: int = 0
    correct: int = 0
    wrong: int = 0
    blank: int = 0
    score: Fraction = field(default_factory=Fraction)

    @property
    def score_display(self):
        return to_decimal(self.score)

    @property
    def accuracy(self) -> Fraction | None:
        return accuracy_of(correct=self.correct, wrong=self.wrong)


def _misjudged_text(version: QuestionVersion, answer: Answer) -> str:
    """For a wrong answer to a statement question: which statements the chosen option judged wrongly."""
    if not version.is_statement_kind or version.choice(answer.choice.key) is None:
        return ""
    misjudged = version.misjudged_by(answer.choice.key)
    if misjudged is None:
        return "Your answer miscounted the correct statements: check each one against the note."
    if not misjudged:
        return "You judged both statements rightly; what you missed is whether Statement-II explains Statement-I."
    labels = dict(enumerate((label for label, _ in version.labelled_statements()), start=1))
    named = [labels[number] for number in misjudged]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    if version.kind != Question.Kind.ASSERTION_REASON:
        listed = f"statement{'s' if len(named) > 1 else ''} {listed}"
    return f"Your answer judged {listed} wrongly."


REVIEW_FILTERS = {
    "all": "All",
    "wrong": "Wrong",
    "blank": "Unanswered",
    "correct": "Correct",
    "marked": "Marked for review",
}


@login_required
@require_GET
def attempt_result(request, public_id: UUID):
    attempt = _get_attempt_for_user(request, public_id, staff_may_read=True)
    if attempt.is_open:
        if attempt.user_id == request.user.pk:
            return redirect("attempt_paper", public_id=attempt.public_id)
        return render(request, "quiz/result_pending.html", {"attempt": attempt, "quiz": attempt.quiz})
    # While the student sits another paper, no review shows: its keys could answer that paper.
    running = Attempt.objects.filter(user_id=attempt.user_id).running(timezone.now()).select_related("quiz").first()
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "running": running,
        "visible": attempt.explanations_visible() and running is None,
        "standing": analytics.standing(attempt),
    }
    if context["visible"]:
        context |= _review(attempt, request.GET.get("show", "all"))
    return render(request, "quiz/result.html", context)


def _review(attempt: Attempt, show: str) -> dict:
    items = _items_with_versions(attempt, for_review=True)
    answers = {a.question_id: a for a in attempt.answers.select_related("choice")}
    marking = attempt.marking
    topics: OrderedDict[int, TopicRow] = OrderedDict()
    for item in items:
        question = item.question
        answer = answers.get(question.pk)
        item.answer = answer
        item.outcome = answer.outcome if answer and answer.outcome else Outcome.BLANK.value
        item.misjudged_text = _misjudged_text(item.version, answer) if item.outcome == Outcome.WRONG else ""
        item.fell_for_trap = question.is_trap and item.outcome == Outcome.WRONG
        row = topics.setdefault(question.topic_id, TopicRow(topic=question.topic))
        row.questions += 1
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
    return {
        "items": shown,
        "topic_rows": sorted(topics.values(), key=lambda row: (row.topic.order, row.topic.name)),
        "show": show,
        "filters": REVIEW_FILTERS,
        "trap_count": sum(1 for item in items if item.question.is_trap),
        "traps_fallen": sum(1 for item in items if item.fell_for_trap),
    }


# --- history and practice ------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def history(request):
    """Every closed attempt, newest first, with a chart; then mastery by topic, trap and statement."""
    quizzes = analytics.quizzes_taken(request.user)
    wanted = request.GET.get("quiz", "")
    quiz = next((q for q in quizzes if q.slug == wanted), None)
    if wanted and quiz is None:
        messages.warning(request, "You have no papers of that quiz; showing all your papers.")
    attempts = analytics.history(request.user, quiz=quiz)
    # Practice rounds are drawn from past mistakes; on the overall chart they would read as a slump.
    charted = attempts if quiz is not None else attempts.exclude(quiz__is_practice=True)
    context = {
        "quizzes": quizzes,
        "quiz": quiz,
        "page": Paginator(attempts, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        "summary": analytics.history_summary(charted),
        "chart": analytics.score_chart(charted),
        "topics": analytics.topic_mastery(request.user),
        # Trap notes and statements' truth could answer a paper being sat: hidden until it closes.
        "running": Attempt.objects.filter(user=request.user).running(timezone.now()).select_related("quiz").first(),
    }
    if context["running"] is None:
        context["traps"] = analytics.trap_record(request.user)
        context["statements"] = analytics.statement_mastery(request.user)
    return render(request, "quiz/history.html", context)


def _due_cards(user):
    today = timezone.localdate()
    return ReviewCard.objects.filter(user=user, question__status=Question.Status.PUBLISHED).due(today)


@login_required
@require_GET
def practice(request):
    """The student's review cards: how many are due, in which boxes, and a form to start a round."""
    cards = ReviewCard.objects.filter(user=request.user, question__status=Question.Status.PUBLISHED)
    today = timezone.localdate()
    boxes = dict(cards.learning().values_list("box").annotate(n=Count("pk")).order_by())
    context = {
        "due": _due_cards(request.user).count(),
        "boxes": [(box, days, boxes.get(box, 0)) for box, days in BOX_DAYS.items()],
        "learned": cards.filter(box=LEARNED_BOX).count(),
        "next_due": cards.learning()
        .filter(due_on__gt=today)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first(),
        "form": PracticeForm(),
        "open_attempt": Attempt.objects.filter(user=request.user)
        .running(timezone.now())
        .select_related("quiz")
        .first(),
    }
    return render(request, "quiz/practice.html", context)


@login_required
@require_POST
def practice_start(request):
    form = PracticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many questions to practise.")
        return redirect("practice")
    try:
        attempt = services.practice_start(
            user=request.user, size=form.cleaned_data["size"], timed=form.cleaned_data["timed"]
        )
    except services.PaperRunning as error:
        messages.error(request, error.message)
        return redirect(error.attempt.get_absolute_url())
    except services.QuizUnavailable as error:
        messages.info(request, error.message)
        return redirect("practice")
    return redirect("attempt_paper", public_id=attempt.public_id)


# --- staff ---------------------------------------------------------------------------------------


def staff_required(view):
    """Signed out: to the login page. Signed in without staff rights: 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Staff only.")
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
@require_GET
def quiz_stats(request, slug: str):
    """Item analysis of a quiz: facility, discrimination, option counts and time, per question."""
    quiz = get_object_or_404(Quiz, slug=slug)
    sort = request.GET.get("sort", "position")
    if sort.removeprefix("-") not in analytics.ITEM_SORTS:
        sort = "position"
    context = {"quiz": quiz, "analysis": analytics.item_analysis(quiz, sort=sort), "sort": sort}
    return render(request, "quiz/stats.html", context)
