"""axe-core, injected into the page from axe-playwright-python's bundled copy (no network)."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")


def blocking_violations(page, *, within: str | None = None) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now: rule, impact, where, why.

    `within` (a CSS selector) scans only that part: on an admin form, the part we drew, as Django's
    own widgets there (the autocomplete, a tabular inline's inputs named by title) have findings of
    their own."""
    results = Axe().run(page, context=within)
    return [
        f"{v['id']} ({v['impact']}) at {' | '.join(' '.join(node['target']) for node in v['nodes'])}: "
        f"{v['nodes'][0]['failureSummary']}".replace("\n", " ")
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


def scan_at_both_widths(page, name: str, screenshot) -> dict[str, list[str]]:
    """The page as it is, at a phone's width and a laptop's: nothing wider than the screen, its
    blocking findings by "<name>, <size>", and a screenshot of each."""
    from tests.e2e.conftest import WIDTHS

    found = {}
    for size in ("phone", "desktop"):
        page.set_viewport_size(WIDTHS[size])
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[size]["width"]
        found[f"{name}, {size}"] = blocking_violations(page)
        screenshot(page, f"{name}-{size}")
    return found
