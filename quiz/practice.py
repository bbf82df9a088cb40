"""'Practise my mistakes': the Leitner schedule, as pure functions.

A question answered wrongly or left blank goes to box 1 and is due the next day. Each correct
answer given when it is due moves it up a box, and the box sets the wait before it is due again:
box 1: 1 day, box 2: 3 days, box 3: 7 days, box 4: 21 days. A correct answer in box 4 retires it
as learned; any later miss puts it back in box 1. A correct answer before the card is due (the
question came up early in another quiz) leaves it where it is: the wait is what tests memory.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from quiz.scoring import Confidence, Outcome

BOX_DAYS = {1: 1, 2: 3, 3: 7, 4: 21}
LEARNED_BOX = 5


@dataclass(frozen=True)
class CardState:
    box: int
    due_on: date | None  # None once learned


def card_after(card: CardState | None, *, outcome: Outcome, today: date) -> CardState | None:
    """The card after the student answers its question on `today`; None: no card (never missed)."""
    if outcome != Outcome.CORRECT:
        return CardState(box=1, due_on=today + timedelta(days=BOX_DAYS[1]))
    if card is None or card.due_on is None or card.due_on > today:
        return card
    box = card.box + 1
    return CardState(box=box, due_on=None if box == LEARNED_BOX else today + timedelta(days=BOX_DAYS[box]))


def sure_miss_after(*, was: bool, outcome: Outcome, confidence: str) -> bool:
    """Whether a card is a "sure but wrong" one after this answer: a wrong answer the student was
    Sure of (a confident error, the kind that costs most in the exam) makes it one, listed first in
    practice (`progress.cards_for_round`); answering it right ends that; anything else leaves it.
    Its box is already 1: every miss sends a card there (`card_after`)."""
    if outcome == Outcome.CORRECT:
        return False
    return was or (outcome == Outcome.WRONG and confidence == Confidence.SURE)
