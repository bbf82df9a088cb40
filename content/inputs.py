"""What the app takes in from requests and files, checked one way everywhere.

Numbers are ASCII digits only. Python's `int()` also reads other scripts' digits ("١٢" is 12),
underscores ("1_0" is 10), spaces and signs, so a forged or mistyped id would still name a row.

Text holds no control characters: NUL, escape, the C1 block and the like are invisible at best,
PostgreSQL refuses NUL in text outright (a load failed with a raw DataError), and a lone surrogate
(which a JSON escape can make) cannot be stored as UTF-8 at all. Tabs and line breaks are layout,
so multi-line text keeps them (a browser's text area sends CRLF); a one-line field takes neither.
The direction controls that embed, override or isolate (U+202A-202E, U+2066-2069) count as control
characters too: a right-to-left override makes a title read backwards after it, in every list it
appears in ("Trojan Source"), and nothing in an English bank needs one.
The bank files (`content.bank`, `quiz.bank`), the admin's forms and its import all ask here.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models

ASCII_DIGITS = re.compile(r"[0-9]+")  # re's [0-9] is ASCII; \d would take any script's digits

# Unicode's control characters (category Cc: U+0000-001F, U+007F-009F), lone surrogates (Cs) and the
# direction controls that embed, override or isolate.
_DIRECTION = "\u202a-\u202e\u2066-\u2069"
_CONTROL_IN_A_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f\ud800-\udfff{_DIRECTION}]")
_CONTROL_IN_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_DIRECTION}]")  # tab, LF, CR allowed


def ascii_int(value) -> int:
    """A whole number written in ASCII digits and nothing else; ValueError for anything else."""
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        raise ValueError(value)
    return int(value)


def control_character_index(text: str, *, multiline: bool) -> int | None:
    """The index of the first character `text` may not hold, or None."""
    found = (_CONTROL_IN_TEXT if multiline else _CONTROL_IN_A_LINE).search(text)
    return None if found is None else found.start()


def control_character(text: str, *, multiline: bool) -> str | None:
    """Where `text` holds a character it may not, e.g. "U+0000 at character 13"; None if nowhere."""
    index = control_character_index(text, multiline=multiline)
    return None if index is None else f"U+{ord(text[index]):04X} at character {index + 1}"


def control_characters_refused(text: str, *, multiline: bool) -> str:
    """`text` as it is; ValueError naming the first character it may not hold (for pydantic's validators)."""
    if found := control_character(text, multiline=multiline):
        allowed = "only tabs and line breaks may lay out text" if multiline else "this field is one line"
        raise ValueError(f"control character {found}: remove it ({allowed})")
    return text


def validate_text(value: str) -> None:
    """Django validator for multi-line text (a TextField)."""
    if found := control_character(value, multiline=True):
        raise ValidationError(
            f"Remove the control character {found}: only tabs and line breaks may lay out text.",
            code="control_character",
        )


def validate_line(value: str) -> None:
    """Django validator for one line of text (a CharField): no tab or line break either."""
    if found := control_character(value, multiline=False):
        raise ValidationError(
            f"Remove the control character {found}: this field is one line of text.", code="control_character"
        )


class ControlCharactersRefused:
    """Admin mixin (ModelAdmin or inline): every text field of its forms refuses control characters."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and isinstance(db_field, models.TextField):
            formfield.validators.append(validate_text)
        elif formfield is not None and isinstance(db_field, models.CharField):
            formfield.validators.append(validate_line)
        return formfield
