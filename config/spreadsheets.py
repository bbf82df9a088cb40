"""CSV exports that are safe to open in a spreadsheet; every export writes through `csv_writer`.

A spreadsheet runs a cell that begins with `=`, `+`, `-` or `@` as a formula (some also after a
leading tab or carriage return), so a username `+1+2` or a text `=HYPERLINK(...)` would run on the
admin's machine: CSV injection. OWASP's rule is applied to every cell: one that begins with any of
those gets a leading single quote, which spreadsheets show as text and do not run.

Numbers the app writes itself stay numbers: an int, a float or a Decimal (a score of -0.67) is
written as it is, as no formula can hide in one. Everything else is text, whatever it looks like,
and is neutralised by its first character: "-0.67" arriving as text is written as '-0.67.
"""

import csv
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value as a CSV cell a spreadsheet will not run."""
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _NeutralisingWriter:
    def __init__(self, stream):
        self._writer = csv.writer(stream)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream) -> _NeutralisingWriter:
    """`csv.writer(stream)`, with every cell through `csv_cell`."""
    return _NeutralisingWriter(stream)
