"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Without Chromium the tests are skipped with a reason; under REQUIRE_BROWSER=1 (CI) that skip is a
failure instead, so a missing browser can never turn the browser suite silently green.
"""

import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# Screenshots go to the ignored test-results/ so `make test` leaves the tree clean; README's are
# refreshed on purpose with SCREENSHOT_DIR=docs/screenshots (README, "Screenshots").
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-results" / "screenshots"))
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in f"/{item.nodeid}":
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _chromium_present():
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM}: install Debian's chromium package to run the browser tests"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 and {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(autouse=True)
def _short_timeouts(request):
    # Fail in seconds, not Playwright's default 30, when something is missing from a page.
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(10_000)


@pytest.fixture(autouse=True)
def _page_quiet_before_the_flush(request):
    """A paper keeps talking to the server after a test's last step: its clock's checks, the saves of
    measured time, a save as the page goes away. One that reached the live server while the database
    was flushed after the test locked SQLite's tables ("database table is locked"), and the next test
    found the last one's paper. Set up after the database (so torn down before its flush), this
    refuses every request of the page's context and closes the page first."""
    if "page" not in request.fixturenames or "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    page = request.getfixturevalue("page")
    yield
    page.context.route("**/*", lambda route: route.abort())
    page.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot named for what it shows, to look at and to show in the README;
    with `locator`, only that part of the page (cut from the full page, so a sticky bar stays at
    the top and covers nothing)."""

    def take(page, name: str, *, locator=None):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        clip = None
        if locator is not None:
            clip = locator.evaluate(
                "(el) => { const r = el.getBoundingClientRect();"
                " return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; }"
            )
        page.screenshot(path=str(path), full_page=True, clip=clip)
        return path

    return take


@pytest.fixture
def log_in(live_server):
    def go(page, username: str, password: str, *, admin: bool = False):
        page.goto(f"{live_server.url}{'/admin/login/' if admin else '/accounts/login/'}")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name="Log in").click()

    return go


@pytest.fixture
def sign_in(page, log_in, student):
    """Log the `student` fixture in through the form; return them."""

    def go():
        log_in(page, student.username, PASSWORD)
        expect(page.get_by_text("Signed in as")).to_contain_text(student.username)
        return student

    return go


@pytest.fixture
def bank(db):
    """The shipped question bank and its quizzes, loaded by `load_bank`."""
    call_command("load_bank", stdout=StringIO())
