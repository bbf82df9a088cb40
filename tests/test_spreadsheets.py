"""Every CSV export writes its cells through one function that neutralises formulas (issue 14, finding 9)."""

import io
import re
from decimal import Decimal
from pathlib import Path

from config.spreadsheets import csv_cell, csv_writer

ROOT = Path(__file__).resolve().parent.parent


def test_csv_cell_quotes_text_a_spreadsheet_would_run():
    for text in ["=1+1", "+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-0.67"]:
        assert csv_cell(text) == f"'{text}"
    for text in ["", "asha", "1+1", " =1", "'=1", "a=b"]:
        assert csv_cell(text) == text


def test_csv_cell_keeps_the_apps_numbers_numbers():
    # A negative score is a Decimal the app computed, never text a student typed: it stays a number.
    assert [csv_cell(v) for v in (Decimal("-0.67"), -3, -1.5, 0, None)] == [Decimal("-0.67"), -3, -1.5, 0, None]


def test_csv_cell_neutralises_objects_by_their_text():
    class Named:
        def __str__(self):
            return "=cmd|' /C calc'!A0"

    assert csv_cell(Named()) == "'=cmd|' /C calc'!A0"


def test_csv_writer_writes_every_row_through_csv_cell():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["=1+1", Decimal("-2.00")])
    writer.writerows([["+1", 3]])
    assert out.getvalue() == "'=1+1,-2.00\r\n'+1,3\r\n"


def test_csv_exports_all_write_through_csv_writer():
    """A new export that calls the csv module's writers directly fails here: use config.spreadsheets.csv_writer."""
    direct = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(ROOT))
        for app in ("accounts", "config", "content", "quiz")
        for path in (ROOT / app).rglob("*.py")
        if direct.search(path.read_text()) and path != ROOT / "config" / "spreadsheets.py"
    ]
    assert offenders == []
