"""What the app takes in from requests and files, checked one way everywhere.

Numbers are ASCII digits only. Python's `int()` also reads other scripts' digits ("١٢" is 12),
underscores ("1_0" is 10), spaces and signs, so a forged or mistyped id would still name a row.
"""

import re

ASCII_DIGITS = re.compile(r"[0-9]+")  # re's [0-9] is ASCII; \d would take any script's digits


def ascii_int(value) -> int:
    """A whole number written in ASCII digits and nothing else; ValueError for anything else."""
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        raise ValueError(value)
    return int(value)
