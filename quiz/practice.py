"""'Practise my mistakes': the Leitner schedule, as pure functions.

A question answered wrongly or left blank goes to box 1 and is due the next day. Each correct
answer given when it is due moves it up a box, and the box sets the wait before it is due again:
box 1: 1 day, box 2: 3 days, box 3: 7 days, box 4: 21 days. A correct answer in box 4 retires it
as learned; any later miss puts it back in box 1. A correct answer before the card is due (the
question came up early in another quiz) leaves it where it is: the wait is what tests memory.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from quiz.scoring import Outcome

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
