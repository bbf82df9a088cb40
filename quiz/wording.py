"""What the student is told when the rules refuse something: the one home of these sentences.

The rules themselves are in quiz/policy.py and return reasons; services raise them (quiz/services/
errors.py), and views and templates say them with these functions.
"""

from django.utils import timezone
from django.utils.formats import date_format

from content.rules import Kind
from quiz.models import Attempt, Quiz
from quiz.policy import AnswerRefusal, StartRefusal
from quiz.scoring import Advice, to_decimal

NOT_FOUND = "There is nothing at this address for you: it may be mistyped, or belong to someone else's account."

ANSWER_REFUSALS = {
    AnswerRefusal.TIME_UP: "Time is up: the deadline has passed, so this was not saved.",
    AnswerRefusal.SUBMITTED: "This paper has already been submitted; nothing more can be saved.",
}

INVALID_ANSWERS = {
    "not_on_paper": "That question is not on this paper.",
    "not_an_option": "That choice is not an option of this question.",
    "changed": "This answer could not be saved: reload the page and answer again.",
}

# How a confidence tag reads (quiz.scoring.Confidence; "" is an answer given none).
CONFIDENCE_LABELS = {"sure": "Sure", "fifty": "50:50", "guess": "Guess", "": "Untagged"}

# A level's answers as the calibration's advice names them.
CONFIDENCE_PLURALS = {"sure": "Sure answers", "fifty": "50:50s", "guess": "guesses"}


def calibration_advice(level) -> str:
    """What a student's own figures at one confidence level say (`scoring.CalibrationLevel.advice`,
    given only at or above `scoring.CALIBRATION_MIN_ANSWERS`): every figure is theirs."""
    group = level.group
    name = CONFIDENCE_PLURALS[group.confidence]
    per = to_decimal(group.per_attempt)
    said = f"Your {name} were right {whole_percent(group.accuracy)} of the time (n = {group.attempted}): "
    if level.advice == Advice.ATTEMPT:
        said += f"each one you attempt earns +{per} marks on average \u2014 keep attempting them."
    elif level.advice == Advice.LEAVE:
        said += f"each costs \u2212{-per} marks on average \u2014 leave them blank."
    else:
        said += "on average they neither earn nor cost you marks."
    if not level.clear and level.break_even is not None:
        said += (
            f" The 95% interval, {whole_percent(level.interval.low)} to {whole_percent(level.interval.high)}, "
            f"still takes in the break-even of {whole_percent(level.break_even)}: more answers will make it sure."
        )
    return said


def whole_percent(value) -> str:
    """A share in whole percent: "58%"."""
    return f"{round(float(value) * 100)}%"


SIGNED_OUT = "You are signed out. Sign in again: your saved answers are kept."

# What the paper's clock check is told about a paper that is no longer open.
PAPER_CLOSED = {
    Attempt.Status.SUBMITTED: "This paper has been submitted.",
    Attempt.Status.TIMED_OUT: "Time is up: the server closed this paper at its deadline.",
}

# The paper shown one question per screen (`?q=<n>`): an address naming no question of it.
NO_SUCH_QUESTION = "This paper has no question at that number: here is its first question."
FORM_UNREADABLE = "The form could not be read; nothing was saved. Please try again."

PRACTICE_EMPTY = "Nothing is due for review today. Questions you miss in a quiz come back here."

# A round that found nothing to draw, by what it was asked to draw (progress.Scope).
PRACTICE_EMPTY_BY_SCOPE = {
    "due": PRACTICE_EMPTY,
    "paper": "That paper left nothing to practise: you missed none of its questions, or you have learned them since.",
    "early": "Nothing is waiting that is not due yet: every question you missed is due today or learned.",
}

# What a practice round does to each card (quiz/practice.py, and grading's practice-round rule that
# a blank moves nothing): on the practice page and under a round's result. Every clause is tested.
PRACTICE_RULE = (
    "A question you get right when it is due moves up a box and waits longer: 1, 3, 7, then 21 days, "
    "and right once more after that, it counts as learned. Right before it is due, it stays in its box "
    "and comes back when it was due. Wrong, here or in any quiz, it goes back to box 1 and is due "
    "tomorrow; you can practise it again at once. Left blank in a practice round, it stays as it was; "
    "left blank in a quiz, it counts as a miss."
)


def start_refusal(reason: StartRefusal, *, quiz: Quiz, other_paper: Attempt | None = None) -> str:
    if reason == StartRefusal.NOT_PUBLISHED:
        return "This quiz is not published."
    if reason == StartRefusal.BEFORE_START:
        return before_start(quiz)
    if reason == StartRefusal.UPCOMING:
        return f"This quiz opens on {date_format(timezone.localtime(quiz.opens_at), 'j F Y, H:i')}."
    if reason == StartRefusal.CLOSED:
        return "This quiz has closed; its papers can still be reviewed."
    if reason == StartRefusal.NO_ATTEMPTS_LEFT:
        allowed = quiz.attempts_allowed
        return f"You have used all {allowed} attempt{'s' if allowed != 1 else ''} this quiz allows."
    if reason == StartRefusal.OTHER_PAPER:
        ends = date_format(timezone.localtime(other_paper.deadline), "H:i")
        return f"Finish your paper \u201c{other_paper.quiz.title}\u201d first: it ends at {ends}."
    if quiz.is_practice:
        return PRACTICE_EMPTY
    return "This quiz has no published questions yet."


# --- a live mock's lobby (policy.stage) ---------------------------------------------------------


def _moment(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y, H:i")


def before_start(quiz: Quiz) -> str:
    """Start pressed before a live mock's common start (StartRefusal.BEFORE_START)."""
    return (
        f"This live mock starts for everyone at {_moment(quiz.starts_at)}, not before: "
        "wait in its lobby and press Start then."
    )


def lobby_opens(quiz: Quiz, opens_at) -> str:
    """A live mock whose lobby has not opened yet (policy.Stage.SOON)."""
    return (
        f"This live mock starts for everyone at {_moment(quiz.starts_at)}. Its lobby opens at "
        f"{_moment(opens_at)}, {quiz.lobby_minutes} minute{'s' if quiz.lobby_minutes != 1 else ''} before."
    )


def common_end(quiz: Quiz, your_end=None) -> str:
    """How a live mock is timed, on its page: one start, one end, the late joiner's time."""
    sentence = (
        f"Every paper starts at {_moment(quiz.starts_at)} and ends at {_moment(quiz.closes_at)}"
        + (f" (yours at {_moment(your_end)}, with your extra time)" if your_end else "")
        + ", however late it is started: a student who starts late gets only the time that is left."
    )
    return sentence


LOBBY_SIGNED_OUT = "You are not signed in: sign in now, so that you can start the moment the mock does."
LOBBY_STARTED = "The live mock has started: press Start."


PRACTICE_CLOSED_FOR_START = (
    "Your practice round was submitted with the answers you had given, so this paper could start. "
    "Its result is in your history."
)


def misjudged(*, kind: str, labels: tuple[str, ...] | None) -> str:
    """For a wrong answer to a statement question: which statements the chosen option judged wrongly."""
    if labels is None:
        return "Your answer miscounted the correct statements: check each one against the note."
    if not labels:
        return "You judged both statements rightly; what you missed is whether Statement-II explains Statement-I."
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"
    if kind != Kind.ASSERTION_REASON:
        listed = f"statement{'s' if len(labels) > 1 else ''} {listed}"
    return f"Your answer judged {listed} wrongly."


# --- a sealed quiz's results, withheld until its release (policy.result_withheld_until) -----------


def _exact(moment) -> str:
    """A release time to the second: it is when the page first shows the result."""
    return date_format(timezone.localtime(moment), "j F Y, H:i:s")


def result_withheld(*, submitted_at, until) -> str:
    """All a sealed quiz's result page says before its release."""
    submitted = date_format(timezone.localtime(submitted_at), "j F Y, H:i")
    return f"Submitted at {submitted}; your result appears at {_exact(until)}."


RESULT_WITHHELD_WHY = (
    "This quiz shows every score and its key at the same moment, once it has closed and every paper "
    "still running has ended: until then no score is shown, as a score would give its answers away."
)


def result_at(until) -> str:
    """A withheld result in a list of papers (history, home, the quiz page)."""
    return f"Result at {_exact(until)}"


def release_note(until) -> str:
    """A sealed quiz in the quiz list and on its page: when scores and the key appear, and why then."""
    return (
        f"Scores and the key appear at {_exact(until)}, once the quiz has closed and every paper still "
        "running has ended; until then a submitted paper shows no score."
    )


def awaiting_results(count: int) -> str:
    """History's totals and chart leave out papers whose results are withheld."""
    return f"Not counted yet: {count} paper{'s' if count != 1 else ''} of a quiz that has not released its results."


# --- rate limits on starting and submitting ------------------------------------------------------

TOO_OFTEN = {
    "start": "You pressed Start too many times in the last minute, so this start was refused and nothing changed.",
    "submit": (
        "You submitted too many times in the last minute, so this submission was refused and nothing changed: "
        "your paper is still open, with every answer saved before."
    ),
    "practice": (
        "You started too many practice rounds in the last minute, so this one was refused and nothing changed."
    ),
}


def too_often(action: str, *, seconds: int) -> str:
    return f"{TOO_OFTEN[action]} Try again in {seconds} second{'s' if seconds != 1 else ''}."
