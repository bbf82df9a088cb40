"""The rules of the exam hall, decided in one place: who may start a paper, when a paper takes
answers, when it has ended, and who may see a key.

Pure functions of what the caller has already loaded and of `now`: nothing here queries or writes.
Where a rule must also run inside the database (a filter, the autosave's one statement), it is
given here as a `Q` beside its Python twin, and tests hold the two to the same answers. Services,
selectors, views and templates (through the context) ask; none of them re-derives a rule.

Wording is not decided here: a refusal is a reason code, and the view or template says it.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from quiz.models import Attempt, AttemptQuestion, ExtraTime, Quiz, QuizQuestion

# --- time ----------------------------------------------------------------------------------------


def grace() -> timedelta:
    """How long after the deadline an answer in flight is still accepted."""
    return timedelta(seconds=settings.QUIZ_GRACE_SECONDS)


def seconds_until(deadline: datetime, now: datetime) -> int:
    """Whole seconds to the deadline, rounded up: the page's countdown never ends early."""
    return max(0, math.ceil((deadline - now).total_seconds()))


def seconds_left(attempt: Attempt, now: datetime) -> int:
    return seconds_until(attempt.deadline, now)


# --- may this attempt take answers; has it ended ---------------------------------------------------


def accepts_answers(attempt: Attempt, now: datetime) -> bool:
    """Open, and not past its deadline and the grace. `accepting_q` is the same rule for the database."""
    return attempt.is_open and now <= attempt.deadline + grace()


def accepting_q(now: datetime, prefix: str = "") -> Q:
    """Attempts that take answers at `now` (`accepts_answers` as a condition); `prefix` reaches them
    from another model, e.g. "attempt__". The autosave's SQL states the same rule (quiz/services/answers.py)."""
    return Q(**{f"{prefix}status": Attempt.Status.IN_PROGRESS, f"{prefix}deadline__gte": now - grace()})


def has_expired(attempt: Attempt, now: datetime) -> bool:
    """Still open, but past its deadline and grace: to be closed with what was saved in time."""
    return attempt.is_open and not accepts_answers(attempt, now)


def expired_q(now: datetime) -> Q:
    """`has_expired` as a condition: the attempts `attempts_close_expired` closes."""
    return Q(status=Attempt.Status.IN_PROGRESS, deadline__lt=now - grace())


def effective_status(attempt: Attempt, now: datetime) -> str:
    """The status a page shows without writing: an expired paper reads as timed out before it is closed."""
    return Attempt.Status.TIMED_OUT if has_expired(attempt, now) else attempt.status


class AnswerRefusal(StrEnum):
    TIME_UP = "time_up"
    SUBMITTED = "submitted"


def answer_refusal(attempt: Attempt, now: datetime) -> AnswerRefusal | None:
    """Why the attempt takes no more answers (closed, or its time ran out); None if it takes them."""
    if attempt.status == Attempt.Status.SUBMITTED:
        return AnswerRefusal.SUBMITTED
    if not accepts_answers(attempt, now):
        return AnswerRefusal.TIME_UP
    return None


# --- may this student start this quiz ------------------------------------------------------------


class StartRefusal(StrEnum):
    NOT_PUBLISHED = "not_published"
    BEFORE_START = "before_start"  # a live mock, before its common start (its lobby may be open)
    UPCOMING = "upcoming"
    CLOSED = "closed"
    OTHER_PAPER = "other_paper"  # one paper at a time, as in the exam hall
    NO_ATTEMPTS_LEFT = "no_attempts_left"
    EMPTY = "empty"


@dataclass(frozen=True)
class StartCheck:
    """What pressing Start does: resume the open paper, start a new one, or nothing (`refusal`)."""

    refusal: StartRefusal | None = None
    resume: Attempt | None = None  # the student's open paper of this quiz
    other_paper: Attempt | None = None  # the open paper that stands in the way (OTHER_PAPER)
    closes_practice: Attempt | None = None  # an open practice round that a start submits first
    attempts_left: int | None = None  # None: unlimited

    @property
    def may_start(self) -> bool:
        return self.refusal is None and self.resume is None


def start_check(
    *, quiz: Quiz, open_attempt: Attempt | None, taken: int, length: int | None, now: datetime
) -> StartCheck:
    """May a student start `quiz` now?

    `open_attempt` is the student's paper in progress, if any (an expired one must be closed
    first: the caller does that); `taken` how many attempts at this quiz they have;
    `length` how many questions a new paper would have (None: not known before drawing).
    A practice round never stands between a student and a timed paper: starting submits it.
    """
    left = None if quiz.attempts_allowed is None else max(0, quiz.attempts_allowed - taken)
    closes_practice = None
    if open_attempt is not None:
        if open_attempt.quiz_id == quiz.pk:
            return StartCheck(resume=open_attempt, attempts_left=left)
        if open_attempt.quiz.is_practice and not quiz.is_practice:
            closes_practice = open_attempt
        else:
            return StartCheck(refusal=StartRefusal.OTHER_PAPER, other_paper=open_attempt, attempts_left=left)
    refusal = None
    if not quiz.is_published and not quiz.is_practice:
        refusal = StartRefusal.NOT_PUBLISHED
    elif quiz.starts_at is not None and now < quiz.starts_at:
        refusal = StartRefusal.BEFORE_START
    elif quiz.opens_at is not None and now < quiz.opens_at:
        refusal = StartRefusal.UPCOMING
    elif quiz.closes_at is not None and now >= quiz.closes_at:
        refusal = StartRefusal.CLOSED
    elif left == 0:
        refusal = StartRefusal.NO_ATTEMPTS_LEFT
    elif length == 0:
        refusal = StartRefusal.EMPTY
    if refusal is not None:
        return StartCheck(refusal=refusal, attempts_left=left)
    return StartCheck(closes_practice=closes_practice, attempts_left=left)


# --- a live mock: one start and one end for everyone ---------------------------------------------


def paper_deadline(quiz: Quiz, *, now: datetime, time_allowed: timedelta, allowance: ExtraTime | None) -> datetime:
    """When a timed paper of `quiz` started at `now` ends, fixed at its start.

    A live mock's papers all end at its close, stretched by the student's extra time over the
    sitting it schedules (start to close), so a late joiner gets only the time that is left and
    extra time is added to the common end, not cut off by it. Any other paper runs its time
    (stretched) from its start, and never past the quiz's close.
    """
    if quiz.starts_at is not None:
        window = quiz.closes_at - quiz.starts_at
        return quiz.closes_at + (allowance.stretch(window) - window if allowance is not None else timedelta(0))
    deadline = now + (allowance.stretch(time_allowed) if allowance is not None else time_allowed)
    return deadline if quiz.closes_at is None else min(deadline, quiz.closes_at)


class Stage(StrEnum):
    """Where a live mock stands at a moment, for its lobby (the quiz page) and the lobby's clock."""

    SOON = "soon"  # its lobby has not opened
    LOBBY = "lobby"  # students may wait in its lobby; Start is refused until the common start
    STARTED = "started"  # Start opens a paper ending at the common end
    CLOSED = "closed"


def lobby_opens_at(quiz: Quiz) -> datetime | None:
    """When a live mock's lobby opens (None: the quiz has no common start)."""
    return None if quiz.starts_at is None else quiz.starts_at - timedelta(minutes=quiz.lobby_minutes)


def stage(quiz: Quiz, now: datetime) -> Stage | None:
    """Where a live mock stands at `now` (None: not a live mock). Start itself is `start_check`'s."""
    if quiz.starts_at is None:
        return None
    if now >= quiz.closes_at:
        return Stage.CLOSED
    if now >= quiz.starts_at:
        return Stage.STARTED
    return Stage.LOBBY if now >= lobby_opens_at(quiz) else Stage.SOON


# --- who may see a key ---------------------------------------------------------------------------


def may_read_attempt(viewer, attempt: Attempt) -> bool:
    """The student who sat it, or staff allowed to view attempts (not `is_staff` alone)."""
    return attempt.user_id == viewer.pk or viewer.has_perm("quiz.view_attempt")


def may_read_item_analysis(viewer) -> bool:
    """A quiz's item analysis shows every question's key and every student's choices."""
    return viewer.has_perms(["quiz.view_attempt", "content.view_question"])


def reads_as_staff(viewer, attempt: Attempt) -> bool:
    """Someone else's attempt, read by staff allowed to view attempts: they see all of it, sealed or
    not, as the admin already shows them every answer's outcome. Seals are for the candidates."""
    return viewer is not None and attempt.user_id != viewer.pk and may_read_attempt(viewer, attempt)


# --- when a sealed quiz releases its key and its results -------------------------------------------


def release_at(quiz: Quiz, *, last_running_deadline: datetime | None) -> datetime | None:
    """When `quiz` releases its key, explanations and every student's score; None if it shows them
    right after each submission.

    A sealed quiz (explanations only after it closes) releases at the later of its close and the
    deadline of its last paper still running (`last_running_deadline`: the latest among its
    attempts that take answers now), plus the grace. A paper's deadline is fixed at its start, so
    when an admin moves `closes_at` earlier, the papers already running keep their time and the
    key stays sealed until they end (docs/ARCHITECTURE.md, "The key"). `key_visible_q` and
    `sealed_quizzes_q` are this rule for the database.
    """
    if quiz.explanations != Quiz.Explanations.AFTER_CLOSE:
        return None
    ends = quiz.closes_at
    if last_running_deadline is not None and (ends is None or last_running_deadline > ends):
        ends = last_running_deadline
    return ends + grace()


def result_withheld_until(attempt: Attempt, *, release: datetime | None, viewer, now: datetime) -> datetime | None:
    """Until when `viewer` is shown nothing of `attempt`'s result but that it was submitted; None: shown.

    A sealed quiz's score would be an oracle for its key (answer one question per attempt and
    watch the score), so until its release (`release_at`) its student sees neither score nor
    counts, rank, per-topic marks, mastery, trap record or chart point, on any page. Staff
    allowed to read other students' attempts see everything (`reads_as_staff`).
    `key_visible_q` is the same rule for the database (for the student's own pages).
    """
    if reads_as_staff(viewer, attempt):
        return None
    return sealed_until(release, now)


def sealed_until(release: datetime | None, now: datetime) -> datetime | None:
    """`release` while it is still to come (the quiz withholds its key and results), else None."""
    return release if release is not None and now <= release else None


def sealed_defaults(explanations: str) -> dict:
    """What a sealed quiz (a live mock) is given unless its author says otherwise: one attempt,
    as a second sitting after seeing nothing would only be a second guess, and exam conditions."""
    if explanations != Quiz.Explanations.AFTER_CLOSE:
        return {}
    return {"attempts_allowed": 1, "exam_conditions": True}


def _running_q(now: datetime, quiz: str) -> Exists:
    """Whether the quiz at `quiz` (an outer reference) has a paper taking answers at `now`."""
    return Exists(Attempt.objects.filter(accepting_q(now), quiz=OuterRef(quiz)))


class ReviewSealed(StrEnum):
    OPEN = "open"  # the paper is still being sat
    SITTING = "sitting"  # its student sits another paper now: this key could answer it
    UNTIL_CLOSE = "until_close"  # a sealed quiz, not yet released (`release_at`)


@dataclass(frozen=True)
class ReviewCheck:
    """Whether the key, explanations and per-question outcomes of an attempt may be shown."""

    sealed: ReviewSealed | None
    sitting: Attempt | None = None  # the paper being sat (SITTING)
    until: datetime | None = None  # when a sealed quiz releases it (UNTIL_CLOSE)

    @property
    def visible(self) -> bool:
        return self.sealed is None


def review_check(
    *, attempt: Attempt, sitting: Attempt | None, release: datetime | None, now: datetime, viewer=None
) -> ReviewCheck:
    """May the key and explanations of `attempt` show now?

    Never while it is open; never while its student sits another paper (`sitting`: their running
    paper, if any); after it closes, as the quiz says: at once, or only at its release
    (`release_at`: a paper still ending must not see the key on a friend's screen). Staff reading
    another student's attempt see it once it is closed.
    """
    if attempt.is_open:
        return ReviewCheck(sealed=ReviewSealed.OPEN)
    if reads_as_staff(viewer, attempt):
        return ReviewCheck(sealed=None)
    if sitting is not None:
        return ReviewCheck(sealed=ReviewSealed.SITTING, sitting=sitting)
    if until := result_withheld_until(attempt, release=release, viewer=viewer, now=now):
        return ReviewCheck(sealed=ReviewSealed.UNTIL_CLOSE, until=until)
    return ReviewCheck(sealed=None)


def key_visible_q(now: datetime, prefix: str = "") -> Q:
    """Closed attempts whose key and result their student may see at `now`: `result_withheld_until`
    for the database (and `review_check` less the sitting rule, which the caller applies), for the
    history's totals, chart and mastery figures and practice's draw."""
    closed = ~Q(**{f"{prefix}status": Attempt.Status.IN_PROGRESS})
    return closed & (
        Q(**{f"{prefix}quiz__explanations": Quiz.Explanations.AFTER_SUBMIT})
        | (Q(**{f"{prefix}quiz__closes_at__lt": now - grace()}) & ~_running_q(now, f"{prefix}quiz"))
    )


def sealed_quizzes_q(now: datetime) -> Q:
    """Quizzes whose key is still sealed at `now` (`release_at` not yet passed): shown only after
    they close, and not yet closed or with a paper still running."""
    return Q(explanations=Quiz.Explanations.AFTER_CLOSE) & (Q(closes_at__gte=now - grace()) | _running_q(now, "pk"))


def sealed_questions_q(now: datetime, field: str = "question", *, excluding: Quiz | None = None) -> Q:
    """Rows whose question (`field`) has its key sealed right now, whichever quiz they came from.

    A key belongs to a question, not to a quiz: a question on a sealed live mock (its fixed list,
    or drawn onto one of its papers) must not have its key, explanation, outcome, trap note or
    statements' truth shown by any other quiz's review, the history or a practice round until
    that mock releases its key (`release_at`). `excluding`: a quiz asking about its own paper, whose
    seal never keeps its own questions from it. Lazy subqueries: building this condition runs no query.
    """
    sealed = Quiz.objects.filter(sealed_quizzes_q(now))
    if excluding is not None:
        sealed = sealed.exclude(pk=excluding.pk)
    fixed = QuizQuestion.objects.filter(quiz__in=sealed.filter(is_published=True)).values("question")
    drawn = AttemptQuestion.objects.filter(attempt__quiz__in=sealed).values("question")
    return Q(**{f"{field}__in": fixed}) | Q(**{f"{field}__in": drawn})


def sitting_hides_keys(sitting: Attempt | None) -> bool:
    """While a student sits a paper, no page shows them keys, trap notes or statements' truth."""
    return sitting is not None
