from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString

from quiz import wording
from quiz.scoring import Marking, to_decimal
from quiz.selectors.results import Misjudged

register = template.Library()

MINUS = "\u2212"  # the typographic minus sign
FRACTION_WORDS = {Fraction(1, 3): "one third", Fraction(1, 4): "one quarter", Fraction(1, 2): "half"}


def _number(value: Fraction | Decimal | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else str(to_decimal(value))


@register.filter
def marks(value) -> str:
    """Marks to two decimals, exact values rounded once, with a true minus sign for a negative."""
    if value is None or value == "":
        return ""
    return str(to_decimal(Fraction(value))).replace("-", MINUS)


@register.filter
def signed_marks(value) -> str:
    """Marks gained or lost, always with a sign: "+0.88", a true minus before 0.16, "0.00"."""
    if value is None or value == "":
        return "\u2013"  # an en dash: no value
    shown = marks(value)
    return f"+{shown}" if Fraction(value) > 0 else shown


@register.filter
def unsigned_marks(value) -> str:
    """How many marks, whichever way: "0.67" for -2/3."""
    return marks(abs(Fraction(value)))


@register.filter
def confidence_label(value: str) -> str:
    return wording.CONFIDENCE_LABELS.get(value, value)


@register.filter
def percent(value: Fraction | None) -> str:
    if value is None:
        return "\u2013"  # an en dash: no value
    return f"{float(value) * 100:.1f}%"


@register.filter
def duration(value: timedelta | None) -> str:
    """A span for people: "1 h 50 min", "12 min", "45 s"."""
    if value is None:
        return ""
    seconds = round(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{seconds} s" if seconds else ""]
    return " ".join(part for part in parts if part) or "0 s"


@register.filter
def clock(seconds: int) -> str:
    """Seconds as a countdown reads: 3725 → "1:02:05", 725 → "12:05"."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


@register.filter
def marking_text(marking: Marking) -> str:
    """How a paper is marked, in words: "+2 for a correct answer, minus 0.67 (one third of 2) for a wrong one"."""
    correct = _number(marking.correct)
    if marking.penalty == 0:
        return f"+{correct} for a correct answer, no negative marking, 0 for a blank"
    share = marking.penalty / marking.correct
    words = FRACTION_WORDS.get(share, f"{share.numerator}/{share.denominator}")
    penalty = _number(marking.penalty)
    return f"+{correct} for a correct answer, {MINUS}{penalty} ({words} of {correct}) for a wrong one, 0 for a blank"


@register.filter
def percent_value(value: Fraction | None) -> str:
    """A value already in percent: 66.666… → "66.7%", with a true minus sign."""
    if value is None:
        return "\u2013"
    return f"{float(value):.1f}%".replace("-", MINUS)


@register.filter
def decimal2(value: Fraction | None) -> str:
    """An index such as facility to two decimals (0.67, or -0.25 shown with a true minus); an en dash when undefined."""
    if value is None:
        return "\u2013"
    return str(to_decimal(Fraction(value))).replace("-", MINUS)


@register.filter
def misjudged(value: Misjudged) -> str:
    return wording.misjudged(kind=value.kind, labels=value.labels)


@register.filter
def withheld(attempt) -> str:
    """A sealed quiz's attempt whose result is withheld (`withheld_until` set by `results.results_withheld`)."""
    return wording.result_withheld(submitted_at=attempt.submitted_at, until=attempt.withheld_until)


@register.filter
def result_at(until) -> str:
    return wording.result_at(until)


@register.filter
def release_note(until) -> str:
    return wording.release_note(until)


@register.filter
def awaiting_results(count: int) -> str:
    return wording.awaiting_results(count)


@register.filter
def calibration_advice(level) -> str:
    return wording.calibration_advice(level)


@register.filter
def interval(value) -> str:
    """A 95% interval of an accuracy in whole percent, "65\u201393%": the precision it has."""
    if value is None:
        return "\u2013"
    return f"{wording.whole_percent(value.low)}\u2013{wording.whole_percent(value.high)}"


# What the paper renders per question, kept in each process by exactly what it shows (a release
# restarts the process, so a changed template is never served stale). Bounded: emptied when full.
_KEPT: dict[tuple, SafeString] = {}
KEPT_RENDERINGS = 40_000


def _kept(key: tuple, template_name: str, context: dict) -> SafeString:
    html = _KEPT.get(key)
    if html is None:
        if len(_KEPT) >= KEPT_RENDERINGS:
            _KEPT.clear()
        html = _KEPT[key] = get_template(template_name).render(context)
    return html


@register.simple_tag(takes_context=True)
def paper_questions(context, items: list[dict]) -> SafeString:
    """The paper's questions, each quiz/_paper_question.html with an item of `papers.paper_with_answers`.

    A question's rendering is a function of its item's fields (the shared text, the position, the
    options in the order shown, the saved answer, the mark, the state), the layout and the paper's
    length, so it is kept by exactly those and reused by any student with the same: a room starting
    a mock at once sees each question with nothing answered, in one of a few option orders.
    Rendering a hundred questions afresh for every student costs more than the rest of the paper
    together. A field added to the item is in the key by construction. One tag for the whole
    loop: a template tag's own call costs as much as a kept question.
    """
    shown = {"one_per_screen": context["one_per_screen"], "question_count": context["question_count"]}
    return SafeString(
        "".join(
            _kept(
                ("question", *shown.values(), *_item_key(item)),
                "quiz/_paper_question.html",
                # The tags' labels are the same for every paper: not part of the key.
                shown | {"item": item, "confidences": wording.CONFIDENCE_LABELS},
            )
            for item in items
        )
    )


@register.simple_tag(takes_context=True)
def palette(context, items: list[dict]) -> SafeString:
    """The paper's palette cells (quiz/_palette_cell.html), kept as `paper_questions` keeps questions."""
    one_per_screen = context["one_per_screen"]
    return SafeString(
        "".join(
            _kept(
                ("palette", one_per_screen, item["question_id"], item["position"], item["state"], item["current"]),
                "quiz/_palette_cell.html",
                {"item": item, "one_per_screen": one_per_screen},
            )
            for item in items
        )
    )


@register.simple_tag
def review_questions(items: list[dict]) -> SafeString:
    """A review's questions, each quiz/_review_question.html with an item of `results.attempt_review`,
    kept as `paper_questions` keeps the paper's: by every field of the item, which holds a key only
    where the review may show it, so a rendering with a key is never one a sealed row could match."""
    return SafeString(
        "".join(_kept(("review", *_item_key(item)), "quiz/_review_question.html", {"item": item}) for item in items)
    )


def _item_key(item: dict) -> tuple:
    # Its values in the selector's fixed order of fields: a field added is one more value.
    return tuple(map(_frozen, item.values()))


def _frozen(value):
    """A field of an item as part of a key: its options (a list of dicts) as tuples."""
    if isinstance(value, list):
        return tuple(tuple(choice.values()) for choice in value)
    return value
