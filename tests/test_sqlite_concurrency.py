"""SQLite never tells a student "database is locked": concurrent autosaves on a real database file.

The writers run in a fresh interpreter (tests/sqlite_writers.py) on a file of their own, since
pytest-django's in-memory SQLite database cannot show how the file-based one locks. This runs
whatever database the rest of the suite uses.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_writers(path: Path, *extra: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_writers", str(path), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_concurrent_autosaves_never_meet_a_locked_database(tmp_path):
    report = run_writers(tmp_path / "db.sqlite3", "--students", "8", "--questions", "10", "--rounds", "3")

    assert report["sqlite_options"] == {"transaction_mode": "IMMEDIATE", "timeout": 20}
    assert report["journal_mode"] == "wal"
    assert report["errors"] == []
    assert report["saves"] == 8 * 10 * 3
    assert report["lost"] == []
    assert report["closed"] == 8


def test_sqlite_concurrent_autosaves_do_meet_a_locked_database_without_immediate_transactions(tmp_path):
    """The control: under SQLite's default DEFERRED transactions the same load fails, so the test above can.

    What fails is what reads before it writes in one transaction (the whole-form saves, the submits):
    a DEFERRED transaction cannot upgrade its read lock once another writer has committed.
    """
    report = run_writers(tmp_path / "db.sqlite3", "--transaction-mode", "DEFERRED")

    assert report["errors"]
    assert {error.split(": ", 1)[1] for error in report["errors"]} == {"database is locked"}
    assert report["lost"] == []  # a refused save is never acknowledged
