"""What services raise when the rules refuse a request: a reason (quiz/policy.py), worded by quiz/wording.py."""

from quiz import wording
from quiz.models import Attempt, Quiz
from quiz.policy import AnswerRefusal, StartRefusal


class QuizError(Exception):
    """A request the rules refuse; `message` is meant for the student."""

    @property
    def message(self) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.message


class QuizUnavailable(QuizError):
    """The quiz cannot be started now (unpublished, outside its window, no attempts left, empty)."""

    def __init__(self, reason: StartRefusal, *, quiz: Quiz):
        super().__init__(reason)
        self.reason, self.quiz = reason, quiz

    @property
    def message(self) -> str:
        return wording.start_refusal(self.reason, quiz=self.quiz)


class PaperRunning(QuizUnavailable):
    """The student is sitting another paper: one at a time."""

    def __init__(self, *, quiz: Quiz, attempt: Attempt):
        super().__init__(StartRefusal.OTHER_PAPER, quiz=quiz)
        self.attempt = attempt

    @property
    def message(self) -> str:
        return wording.start_refusal(self.reason, quiz=self.quiz, other_paper=self.attempt)


class AttemptClosed(QuizError):
    """The attempt is closed, or its deadline and grace have passed: nothing more is saved."""

    def __init__(self, reason: AnswerRefusal):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return wording.ANSWER_REFUSALS[self.reason]


class AttemptNotFound(QuizError):
    """No attempt with that id belongs to the student: whether it exists at all is not told."""

    @property
    def message(self) -> str:
        return wording.NOT_FOUND


class InvalidAnswer(QuizError):
    """The question is not on this paper, or the choice is not one of its options (`reason`: quiz/wording.py)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return wording.INVALID_ANSWERS[self.reason]
