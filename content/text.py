"""Authored text to safe HTML.

Admins write plain text or a small Markdown subset. Markdown is rendered first and the result is
then cleaned by nh3 (an allow-list sanitizer), so whatever an admin types — raw HTML, a script tag,
a javascript: link — can never run in a student's browser.
"""

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "em", "strong", "ul", "ol", "li", "br", "code"}


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text or "", output_format="html")
    # No attributes at all: nothing to smuggle a handler or a URL through.
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}, url_schemes=set()))  # noqa: S308
