from django import template

from content.text import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@register.filter
def letter(position: int) -> str:
    """1 → "a": UPSC labels options (a) to (d)."""
    return chr(ord("a") + int(position) - 1)
