import re

import pytest
from playwright.sync_api import expect

from content.models import Question
from tests.e2e.conftest import WIDTHS
from tests.e2e.paper import sign_up

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_signs_up_and_reads_study_notes(page, live_server, bank, screenshot):
    page.goto(f"{live_server.url}/accounts/signup/")
    sign_up(page, "meera", "civil-services-2027")

    page.get_by_role("link", name="Study notes").first.click()
    expect(page.get_by_role("heading", name="Study notes", level=1)).to_be_visible()
    page.get_by_role("link", name="A partnership is not an alliance").click()
    expect(page).to_have_url(re.compile(r"/study/partnership-vs-alliance/#note-dp-kp-01$"))
    note = page.locator("#note-dp-kp-01")
    expect(note).to_be_in_viewport()
    cited = Question.objects.published().filter(note__key="dp-kp-01").count()
    expect(note).to_contain_text(f"Tested by {cited} question")
    # Bootstrap comes from our own static files: the navbar is styled, with nothing from a CDN.
    assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"


@pytest.mark.parametrize("size", WIDTHS)
def test_study_pages_fit_phone_and_desktop(page, live_server, bank, screenshot, size):
    page.set_viewport_size(WIDTHS[size])
    for name, path in (("home", "/"), ("study", "/study/"), ("study-topic", "/study/partnership-vs-alliance/")):
        page.goto(f"{live_server.url}{path}")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
        screenshot(page, f"{name}-{size}")
