"""Thin views: look up, check permission, call a service, render. State changes live in services."""

import re
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.ratelimits import usage_counted
from content.inputs import ascii_int
from content.models import Question, Topic
from quiz import policy, wording
from quiz.forms import PracticeForm
from quiz.models import Attempt, Quiz
from quiz.practice import BOX_DAYS, LEARNED_BOX
from quiz.scoring import CALIBRATION_MIN_ANSWERS, Confidence
from quiz.selectors import items, papers, progress, results
from quiz.services import answers, attempts, grading
from quiz.services.errors import AttemptClosed, AttemptNotFound, InvalidAnswer, PaperRunning, QuizUnavailable

# --- lookups -------------------------------------------------------------------------------------


def _get_attempt_for_user(request: HttpRequest, public_id: UUID, *, staff_may_read: bool = False) -> Attempt:
    """The caller's attempt (or, for staff allowed to view attempts, anyone's), closed first if its time ran out.

    The one place a page closes an expired paper, through the one function that does it.
    Anyone else gets a 404, never a 403, so an attempt's existence is not revealed.
    """
    attempt = Attempt.objects.filter(public_id=public_id).select_related("quiz").first()
    if attempt is None or not (
        attempt.user_id == request.user.pk or (staff_may_read and policy.may_read_attempt(request.user, attempt))
    ):
        raise Http404("No such attempt.")
    if policy.has_expired(attempt, timezone.now()):
        attempt = grading.attempt_expire(attempt=attempt)
    return attempt


def _too_often(request: HttpRequest, action: str, *, back: str):
    """A 429 page if the student has done `action` more than `QUIZ_RATE_LIMIT` times in the
    current window (this request counted), else None. Called before anything is looked up or
    written, so a refused request changes nothing. Counted per student in the cache, which every
    app instance shares when REDIS_URL is set."""
    usage = usage_counted(
        request, group=f"quiz.{action}", key="user", rate=settings.QUIZ_RATE_LIMIT, method="POST", increment=True
    )
    if usage is None or not usage["should_limit"]:
        return None
    # The window's count still applies at its last second: the next one starts a second later.
    seconds = usage["time_left"] + 1
    context = {"message": wording.too_often(action, seconds=seconds), "back": back}
    page = render(request, "quiz/too_often.html", context, status=429)
    page["Retry-After"] = str(seconds)
    return page


# --- quizzes -------------------------------------------------------------------------------------


@require_GET
def home(request):
    published = Question.objects.published()
    context = {
        "quizzes": papers.quizzes_with_lengths(Quiz.objects.published()),
        "topics": Topic.objects.with_published_counts(),
        "bank": published.aggregate(total=Count("pk"), traps=Count("pk", filter=Q(is_trap=True))),
    }
    if request.user.is_authenticated:
        now = timezone.now()
        mine = Attempt.objects.filter(user=request.user).select_related("quiz")
        context["open_attempts"] = list(mine.filter(policy.accepting_q(now)).order_by("deadline"))
        context["recent"] = list(mine.closed().order_by("-submitted_at")[:5])
        results.results_withheld(context["recent"], viewer=request.user, now=now)
        context["due"] = progress.cards_due(request.user, now=now).count()
    return render(request, "quiz/home.html", context)


@require_GET
def quiz_list(request):
    now = timezone.now()
    quizzes = papers.quizzes_with_lengths(Quiz.objects.published())
    releases = results.key_releases(quizzes, now=now)
    for quiz in quizzes:
        quiz.sealed_until = policy.sealed_until(releases[quiz.pk], now)
    if request.user.is_authenticated:
        mine = {
            row["quiz"]: row
            for row in Attempt.objects.filter(user=request.user)
            .values("quiz")
            .annotate(
                taken=Count("pk"),
                open=Count("pk", filter=policy.accepting_q(now)),
            )
        }
        for quiz in quizzes:
            quiz.mine = mine.get(quiz.pk)
    return render(request, "quiz/quiz_list.html", {"quizzes": quizzes, "now": now})


@require_GET
def quiz_detail(request, slug: str):
    """The quiz's instructions, what Start would do for this student now, and their attempts (read only)."""
    quiz = _get_published_quiz(slug)
    now = timezone.now()
    release = results.key_releases([quiz], now=now)[quiz.pk]
    context = {"quiz": quiz, "sealed_until": policy.sealed_until(release, now)}
    if request.user.is_authenticated:
        mine = list(Attempt.objects.filter(user=request.user, quiz=quiz).order_by("-number"))
        for attempt in mine:
            attempt.shown_status = policy.effective_status(attempt, now)
            attempt.withheld_until = policy.result_withheld_until(
                attempt, release=release, viewer=request.user, now=now
            )
        context["attempts"] = mine
        context["start"] = papers.start_check_for(request.user, quiz=quiz, attempts=mine, now=now)
        extra = papers.extra_time_of(request.user)
        context["extra_time"] = extra
        context["your_time"] = extra.stretch(quiz.duration) if extra else quiz.duration
    else:
        context["start"] = policy.start_check(quiz=quiz, open_attempt=None, taken=0, length=quiz.length, now=now)
    if context["start"].resume is not None:
        context["seconds_left"] = policy.seconds_left(context["start"].resume, now)
    if quiz.is_scheduled:
        context |= _lobby(quiz, extra=context.get("extra_time"), now=now)
    return render(request, "quiz/quiz_detail.html", context)


def _lobby(quiz: Quiz, *, extra, now) -> dict:
    """A live mock's page is its lobby: where it stands, the seconds to its start for the countdown,
    and when this student's paper would end (the common end, stretched by their extra time)."""
    stage = policy.stage(quiz, now)
    end = policy.paper_deadline(quiz, now=now, time_allowed=quiz.duration, allowance=extra)
    return {
        "stage": stage,
        "seconds_to_start": policy.seconds_until(quiz.starts_at, now),
        "timing": wording.common_end(quiz, end if end != quiz.closes_at else None),
        "lobby_soon": wording.lobby_opens(quiz, policy.lobby_opens_at(quiz)) if stage == policy.Stage.SOON else "",
        # What a paper started now would have: a late joiner sees the time that is left before pressing Start.
        "time_left": policy.seconds_until(end, now),
        "time_left_extra": end != quiz.closes_at,
        "signed_out": wording.LOBBY_SIGNED_OUT,
    }


@require_GET
@never_cache
def quiz_lobby(request, slug: str):
    """A live mock's lobby clock, as the server keeps it: where the mock stands, the seconds to its
    start, and whether the caller is signed in. The lobby's countdown asks at its zero (and when the
    page is seen again), and Start opens only when this says so: the device never starts a mock.
    One query, as every student in the lobby asks at the same second."""
    quiz = (
        Quiz.objects.published()
        .filter(slug=slug, starts_at__isnull=False)
        .only("starts_at", "closes_at", "lobby_minutes")
        .first()
    )
    if quiz is None:
        return _error(wording.NOT_FOUND, 404)
    now = timezone.now()
    return JsonResponse(
        {
            "stage": policy.stage(quiz, now),
            "seconds_to_start": policy.seconds_until(quiz.starts_at, now),
            "signed_in": request.user.is_authenticated,
        }
    )


def _get_published_quiz(slug: str) -> Quiz:
    quizzes = papers.quizzes_with_lengths(Quiz.objects.published().filter(slug=slug))
    if not quizzes:
        raise Http404("No such quiz.")
    return quizzes[0]


@login_required
@require_POST
def quiz_start(request, slug: str):
    if refused := _too_often(request, "start", back=reverse("quiz_detail", args=[slug])):
        return refused
    quiz = get_object_or_404(Quiz.objects.published(), slug=slug)
    try:
        started = attempts.attempt_start(quiz=quiz, user=request.user)
    except QuizUnavailable as error:
        messages.error(request, error.message)
        return redirect(quiz)
    if started.closed_practice is not None:
        messages.info(request, wording.PRACTICE_CLOSED_FOR_START)
    return redirect("attempt_paper", public_id=started.attempt.public_id)


# --- the paper -----------------------------------------------------------------------------------


@login_required
@require_GET
@never_cache  # Back must not show a stale paper with old answers and a reset clock
def attempt_paper(request, public_id: UUID):
    attempt = _get_attempt_for_user(request, public_id)
    if not attempt.is_open:
        return redirect("attempt_result", public_id=attempt.public_id)
    paper = papers.paper_with_answers(attempt)
    items = paper.items
    one_per_screen = attempt.layout == Attempt.Layout.ONE
    current = 1
    if one_per_screen and "q" in request.GET:
        try:
            current = _parse_position(request.GET["q"], len(items))
        except ValueError:
            messages.warning(request, wording.NO_SUCH_QUESTION)
            return redirect("attempt_paper", public_id=attempt.public_id)
    if one_per_screen:
        papers.paper_show_one(items, position=current)
    context = {
        "attempt": attempt,
        "quiz": attempt.quiz,
        "items": items,
        "question_count": len(items),
        "one_per_screen": one_per_screen,
        "current": current,
        "answered": paper.answered,
        "marked": paper.marked,
        "seconds_left": policy.seconds_left(attempt, timezone.now()),
        "states": papers.PALETTE_STATES,
        "layouts": Attempt.Layout,
        "confidences": wording.CONFIDENCE_LABELS,
    }
    return render(request, "quiz/paper.html", context)


MAX_ID = 2**63 - 1  # the largest primary key either database can hold


def _parse_id(value: str) -> int:
    """A primary key from a form field; ValueError for anything else, including ids no row can have."""
    number = ascii_int(value)
    if not 0 < number <= MAX_ID:
        raise ValueError(value)
    return number


def _parse_position(value: str, count: int) -> int:
    """A question's number on a paper of `count` (`?q=<n>`, the form's `q`); ValueError for any other."""
    number = ascii_int(value)
    if not 1 <= number <= count:
        raise ValueError(value)
    return number


CONFIDENCES = ("", *Confidence)


def _parse_was(value: str) -> answers.Was | None:
    """`was-<id>` / `was`: "<choice id or empty>:<1 or 0>[:<confidence or empty>]" as last saved,
    or "?" when unknown. Without the third part (a client from before confidence) the confidence
    is unknown."""
    if value == "?":
        return None
    choice, separator, rest = value.partition(":")
    mark, has_confidence, confidence = rest.partition(":")
    if not separator or mark not in ("0", "1") or (has_confidence and confidence not in CONFIDENCES):
        raise ValueError(value)
    return (_parse_id(choice) if choice else None, mark == "1", confidence if has_confidence else None)


# A page's measure of one question's time in one save: more than a day is no measure of anything.
MAX_SECONDS = 86_400


def _parse_seconds(value: str) -> int:
    number = ascii_int(value)
    if not 0 <= number <= MAX_SECONDS:
        raise ValueError(value)
    return number


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


# An attempt's id as its addresses write it (Django's <uuid:> converter): lowercase, hyphenated.
PUBLIC_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@require_POST
def attempt_answer(request, public_id: str):
    """Autosave of one answer: the JSON contract in README ("The autosave contract")."""
    if not request.user.is_authenticated:
        return _error(wording.SIGNED_OUT, 403, signed_out=True)
    if not PUBLIC_ID.fullmatch(public_id):
        # The same answer as for an attempt that is not the caller's.
        return _error(wording.NOT_FOUND, 404)
    try:
        question_id = _parse_id(request.POST["question"])
        raw_choice = request.POST.get("choice", "")
        choice_id = _parse_id(raw_choice) if raw_choice != "" else None
    except (KeyError, ValueError):
        return _error("Send 'question' as a question id and 'choice' as a choice id, or empty to clear.", 400)
    try:
        was = _parse_was(request.POST["was"]) if "was" in request.POST else None
    except ValueError:
        return _error("Send 'was' as '<choice id or empty>:<1 or 0>:<confidence or empty>', or '?'.", 400)
    marked = request.POST.get("marked", "")
    if marked not in ("", "on"):
        return _error("Send 'marked' as 'on', or leave it out.", 400)
    confidence = request.POST.get("confidence")
    if confidence not in (None, *CONFIDENCES):
        return _error("Send 'confidence' as 'sure', 'fifty' or 'guess', empty to clear it, or leave it out.", 400)
    try:
        seconds = _parse_seconds(request.POST.get("seconds", "0"))
    except ValueError:
        return _error(f"Send 'seconds' as a whole number from 0 to {MAX_SECONDS}, or leave it out.", 400)
    try:
        saved = answers.answer_save(
            user=request.user,
            attempt_public_id=UUID(public_id),
            question_id=question_id,
            choice_id=choice_id,
            marked=marked == "on",
            confidence=confidence,
            seconds=seconds,
            was=was,
        )
    except AttemptNotFound as error:
        return _error(error.message, 404)
    except AttemptClosed as error:
        return _error(error.message, 409, closed=True)
    except InvalidAnswer as error:
        return _error(error.message, 400)
    return JsonResponse(
        {"saved": True, "answered": saved.answered, "marked": saved.marked, "seconds_left": saved.seconds_left}
    )


@require_GET
@never_cache
def attempt_state(request, public_id: str):
    """The paper's clock as the server keeps it, for the page to re-synchronise its countdown with.

    README's contract: asked when the page is seen again, when the device's clock jumps, and at the
    page's zero, so neither a changed device clock nor a sleeping laptop decides when a paper ends.
    Opening it closes a paper past its deadline and grace, as opening the paper does.
    """
    if not request.user.is_authenticated:
        return _error(wording.SIGNED_OUT, 403, signed_out=True)
    if not PUBLIC_ID.fullmatch(public_id):
        return _error(wording.NOT_FOUND, 404)
    try:
        attempt = _get_attempt_for_user(request, public_id)
    except Http404:
        return _error(wording.NOT_FOUND, 404)
    if not attempt.is_open:
        return _error(wording.PAPER_CLOSED[attempt.status], 409, closed=True)
    seconds_left = policy.seconds_left(attempt, timezone.now()) if attempt.is_timed else None
    return JsonResponse({"open": True, "seconds_left": seconds_left})


class MalformedForm(Exception):
    pass


# The paper's buttons. "clear-<question id>" and, one question per screen, "go-<n>" (a palette cell)
# too; "next", "prev" and "mark-next" move from the question numbered by the form's `q`.
FORM_INTENTS = ("save", "review", "submit", "next", "prev", "mark-next", "layout-one", "layout-all")
MOVES = {"next": 1, "prev": -1, "mark-next": 1}


@dataclass(frozen=True)
class FormIntent:
    """What the paper's form asks besides saving: where to go next, and a layout to switch to."""

    name: str
    position: int | None = None  # the question to show next, one question per screen
    layout: str | None = None


@dataclass(frozen=True)
class FormAnswers:
    """What the paper form changes, by question id: choices (None clears), review marks,
    confidences ("" clears) and the seconds the page measured since each question's last save."""

    choices: dict[int, int | None]
    marked: dict[int, bool]
    confidences: dict[int, str]
    seconds: dict[int, int]


def _form_answers(post) -> FormAnswers:
    """What the paper form changes: choices (None clears), review marks and confidences ("" clears), by question id.

    Each question on the form carries `was-<id>` = "<choice id or empty>:<1 or 0>:<confidence or
    empty>": its answer, mark and confidence as the page last knew them saved (the script updates
    it after every save, and sets "?" while one is unconfirmed, which applies all three). Only what
    differs is applied, so a tab left open on one device never overwrites answers saved since from
    another. A `q-<id>` without `was-<id>` (another client) is applied as sent. The confidence is
    the radio group `conf-<id>`: none checked clears it, unless `was-<id>` has no confidence part
    (a form from before confidence), which leaves it as it was; without `was-<id>`, applied as sent.
    `secs-<id>` is the page's measure of time (the script adds it as the form is sent).
    """
    choices: dict[int, int | None] = {}
    marked: dict[int, bool] = {}
    confidences: dict[int, str] = {}
    seconds: dict[int, int] = {}
    try:
        for name, value in post.items():
            if name.startswith("q-"):
                choices[_parse_id(name[2:])] = _parse_id(value) if value != "" else None
            elif name.startswith("secs-"):
                seconds[_parse_id(name[5:])] = _parse_seconds(value)
            elif name.startswith("conf-"):
                if value not in CONFIDENCES:
                    raise ValueError(value)
                confidences[_parse_id(name[5:])] = value
        for name, was in post.items():
            if not name.startswith("was-"):
                continue
            question_id = _parse_id(name[4:])
            known = _parse_was(was)  # None: a save was in flight, so apply what the page shows
            chosen, is_marked = choices.pop(question_id, None), f"mark-{question_id}" in post
            confidence = confidences.pop(question_id, "")
            if known is not None and known[2] is None:
                confidence = None
            changed = answers.changed_fields(choice_id=chosen, marked=is_marked, confidence=confidence, was=known)
            if "choice" in changed:
                choices[question_id] = chosen
            if "marked" in changed:
                marked[question_id] = is_marked
            if "confidence" in changed:
                confidences[question_id] = confidence
        intent = post.get("intent", "review")
        if intent.startswith("clear-"):
            choices[_parse_id(intent.removeprefix("clear-"))] = None
        elif not (intent in FORM_INTENTS or intent.startswith("go-")):
            # Only the paper's own buttons: a request no page makes is refused, not guessed at.
            raise ValueError(intent)
    except ValueError:
        raise MalformedForm from None
    return FormAnswers(choices=choices, marked=marked, confidences=confidences, seconds=seconds)


def _form_intent(post, attempt: Attempt, marked: dict[int, bool]) -> FormIntent:
    """The form's intent with the question it leads to; the current question's mark set as its
    button says (Save & Next unmarks it, Mark for review & Next marks it), as in the exam hall.

    A position outside the paper, or not a number, is MalformedForm: nothing is saved.
    """
    intent = post.get("intent", "review")
    if intent.startswith("layout-"):
        return FormIntent(intent, layout=intent.removeprefix("layout-"))
    if "q" not in post:
        return FormIntent(intent)  # the page with every question: no question to move from
    count = attempt.question_count
    try:
        here = _parse_position(post["q"], count)
        if intent.startswith("go-"):
            return FormIntent(intent, position=_parse_position(intent.removeprefix("go-"), count))
    except ValueError:
        raise MalformedForm from None
    if intent not in MOVES:
        return FormIntent(intent, position=here)
    if intent != "prev":
        question_id = attempt.items.filter(position=here).values_list("question_id", flat=True).first()
        if question_id is None:  # a paper whose questions were numbered with a gap: never made, refused
            raise MalformedForm
        marked[question_id] = intent == "mark-next"
    return FormIntent(intent, position=min(max(here + MOVES[intent], 1), count))


@login_required
@require_http_methods(["GET", "POST"])
@never_cache
def attempt_submit(request, public_id: UUID):
    """GET: confirm, showing what is unanswered. POST: save the form; submit if asked to, or move
    to another question (one question per screen), or switch the paper's layout."""
    # Only submitting counts against the limit: saving the form is how a page without JavaScript answers.
    if request.method == "POST" and request.POST.get("intent") == "submit":
        back = reverse("attempt_paper", args=[public_id])
        if refused := _too_often(request, "submit", back=back):
            return refused
    attempt = _get_attempt_for_user(request, public_id)
    if not attempt.is_open:
        return redirect("attempt_result", public_id=attempt.public_id)
    if request.method == "GET":
        return _submit_confirmation(request, attempt)
    try:
        form = _form_answers(request.POST)
        intent = _form_intent(request.POST, attempt, form.marked)
    except MalformedForm:
        return _paper_error(request, attempt, wording.FORM_UNREADABLE)
    try:
        if intent.name == "submit":
            attempt = attempts.attempt_submit(attempt=attempt, **vars(form))
            return redirect("attempt_result", public_id=attempt.public_id)
        answers.answers_save(attempt=attempt, **vars(form))
    except InvalidAnswer as error:
        return _paper_error(request, attempt, f"{error.message} Nothing was saved.")
    except AttemptClosed as error:
        messages.warning(request, error.message)
        return redirect("attempt_result", public_id=attempt.public_id)
    if intent.name == "review":
        return redirect("attempt_submit", public_id=attempt.public_id)
    paper = attempt.get_absolute_url()
    if intent.layout is not None:
        attempts.attempt_layout_set(attempt=attempt, layout=intent.layout)
        return redirect(paper)
    if intent.position is not None:
        # One question per screen: moving saves quietly, as the exam hall's Save & Next does.
        if intent.name in ("save",) or intent.name.startswith("clear-"):
            messages.success(request, "Your answers are saved.")
        return redirect(f"{paper}?q={intent.position}")
    messages.success(request, "Your answers are saved.")
    question = intent.name.removeprefix("clear-") if intent.name.startswith("clear-") else ""
    return redirect(f"{paper}{f'#q-{question}' if question else ''}")


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
        "seconds_left": policy.seconds_left(attempt, timezone.now()),
    }
    return render(request, "quiz/submit.html", context)


# --- the result ----------------------------------------------------------------------------------


@login_required
@require_GET
def attempt_result(request, public_id: UUID):
    attempt = _get_attempt_for_user(request, public_id, staff_may_read=True)
    if attempt.is_open:
        if attempt.user_id == request.user.pk:
            return redirect("attempt_paper", public_id=attempt.public_id)
        return render(request, "quiz/result_pending.html", {"attempt": attempt, "quiz": attempt.quiz})
    now = timezone.now()
    release = results.key_releases([attempt.quiz], now=now)[attempt.quiz_id]
    context = {"attempt": attempt, "quiz": attempt.quiz}
    attempt.withheld_until = policy.result_withheld_until(attempt, release=release, viewer=request.user, now=now)
    if attempt.withheld_until is not None:
        # Nothing but the submission and the release time: no score, count, rank or review.
        return render(request, "quiz/result.html", context | {"withheld_why": wording.RESULT_WITHHELD_WHY})
    sitting = papers.attempt_sitting(attempt.user_id, now=now)
    check = policy.review_check(attempt=attempt, sitting=sitting, release=release, now=now, viewer=request.user)
    context |= {"running": check.sitting, "visible": check.visible, "standing": results.standing(attempt)}
    if check.visible:
        hide_sealed = not policy.reads_as_staff(request.user, attempt)
        context |= results.attempt_review(
            attempt, show=request.GET.get("show", "all"), now=now, hide_sealed=hide_sealed
        )
        if attempt.user_id == request.user.pk:
            # Its mistakes are practisable at once, not only when the schedule brings them back.
            mistakes = progress.cards_for_round(request.user, now=now, scope=progress.Scope.PAPER, paper=attempt)
            context["mistakes"] = mistakes.count()
    if attempt.quiz.is_practice:
        context["practice_rule"] = wording.PRACTICE_RULE
    return render(request, "quiz/result.html", context)


# --- history and practice ------------------------------------------------------------------------

HISTORY_PAGE_SIZE = 20


@login_required
@require_GET
def history(request):
    """Every closed attempt, newest first, with a chart; then mastery by topic, trap and statement."""
    quizzes = progress.quizzes_taken(request.user)
    wanted = request.GET.get("quiz", "")
    quiz = next((q for q in quizzes if q.slug == wanted), None)
    if wanted and quiz is None:
        messages.warning(request, "You have no papers of that quiz; showing all your papers.")
    closed = progress.history(request.user, quiz=quiz)
    # Practice rounds are drawn from past mistakes; on the overall chart they would read as a slump.
    charted = closed if quiz is not None else closed.exclude(quiz__is_practice=True)
    now = timezone.now()
    sitting = papers.attempt_sitting(request.user, now=now)
    page = Paginator(closed, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    # A sealed quiz's papers are listed, but their scores count nowhere until it releases them.
    results.results_withheld(page, viewer=request.user, now=now)
    context = {
        "quizzes": quizzes,
        "quiz": quiz,
        "page": page,
        "summary": progress.history_summary(charted, now=now),
        "chart": progress.score_chart(charted.filter(policy.key_visible_q(now))),
        "topics": progress.topic_mastery(request.user),
        "calibration": progress.confidence_calibration(request.user),
        "calibration_min": CALIBRATION_MIN_ANSWERS,
        "running": sitting,
    }
    # Trap notes and statements' truth could answer the paper being sat: hidden until it closes.
    if not policy.sitting_hides_keys(sitting):
        context["traps"] = progress.trap_record(request.user)
        context["statements"] = progress.statement_mastery(request.user)
    return render(request, "quiz/history.html", context)


@login_required
@require_GET
def practice(request):
    """The student's review cards: what is due, the last paper's mistakes and the cards not due yet
    (each practisable at once), the boxes, and a form to start a round."""
    now = timezone.now()
    cards = progress.cards_shown(request.user, now=now)
    today = timezone.localdate(now)
    boxes = dict(cards.learning().values_list("box").annotate(n=Count("pk")).order_by())
    paper = progress.latest_paper(request.user, now=now)
    counts = progress.practice_counts(request.user, now=now, paper=paper)
    form = PracticeForm(
        counts=counts,
        paper_title=paper.quiz.title if paper else "",
        initial={"paper": paper.public_id if paper else None},
    )
    context = {
        "due": counts[progress.Scope.DUE],
        "counts": counts,
        "paper": paper,
        "boxes": [(box, days, boxes.get(box, 0)) for box, days in BOX_DAYS.items()],
        "learned": cards.filter(box=LEARNED_BOX).count(),
        "next_due": cards.learning()
        .filter(due_on__gt=today)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first(),
        "form": form,
        "open_attempt": papers.attempt_sitting(request.user, now=now),
        "rule": wording.PRACTICE_RULE,
    }
    return render(request, "quiz/practice.html", context)


@login_required
@require_POST
def practice_start(request):
    if refused := _too_often(request, "practice", back=reverse("practice")):
        return refused
    form = PracticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many questions to practise.")
        return redirect("practice")
    scope, paper = form.cleaned_data["scope"], None
    if scope == progress.Scope.PAPER:
        # Only the student's own finished paper: any other id draws nothing, and says so.
        paper = Attempt.objects.filter(user=request.user, public_id=form.cleaned_data["paper"]).closed().first()
    try:
        attempt = attempts.practice_start(
            user=request.user,
            size=form.cleaned_data["size"],
            timed=form.cleaned_data["timed"],
            scope=scope,
            paper=paper,
        )
    except PaperRunning as error:
        messages.error(request, error.message)
        return redirect(error.attempt.get_absolute_url())
    except QuizUnavailable as error:
        empty = error.reason == policy.StartRefusal.EMPTY
        messages.info(request, wording.PRACTICE_EMPTY_BY_SCOPE[scope] if empty else error.message)
        return redirect("practice")
    return redirect("attempt_paper", public_id=attempt.public_id)


# --- staff ---------------------------------------------------------------------------------------


@login_required
@require_GET
def quiz_stats(request, slug: str):
    """Item analysis of a quiz: facility, discrimination, option counts and time, per question."""
    if not policy.may_read_item_analysis(request.user):
        raise PermissionDenied("Item analysis needs permission to view attempts and questions.")
    quiz = get_object_or_404(Quiz, slug=slug)
    sort = request.GET.get("sort", "position")
    if sort.removeprefix("-") not in items.ITEM_SORTS:
        sort = "position"
    context = {
        "quiz": quiz,
        "analysis": items.item_analysis(quiz, sort=sort),
        "sort": sort,
        "sure_wrong_flag": items.SURE_WRONG_FLAG,
    }
    return render(request, "quiz/stats.html", context)
