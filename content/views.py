from django.conf import settings
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.module_loading import import_string

from content.models import Note, Topic


def _closed_book(request):
    """The paper under exam conditions the student is sitting, if any (settings.STUDY_CLOSED_BOOK):
    the real exam has no notes, and ours contain the answers."""
    if not request.user.is_authenticated:
        return None
    return import_string(settings.STUDY_CLOSED_BOOK)(request.user, now=timezone.now())


def _topic_tests() -> dict[int, str]:
    """Each topic's test, by topic id, as its quiz page's address (settings.STUDY_TOPIC_TESTS)."""
    return import_string(settings.STUDY_TOPIC_TESTS)(now=timezone.now())


def study_index(request):
    if paper := _closed_book(request):
        return render(request, "content/closed_book.html", {"paper": paper})
    # The index is a table of contents: headings only, the bodies are on the topic pages.
    headings = Note.objects.select_related("source").only("key", "heading", "topic_id", "order", "source__title")
    topics = Topic.objects.with_published_counts().prefetch_related(Prefetch("notes", queryset=headings))
    topics = list(topics)
    tests = _topic_tests()
    for topic in topics:
        topic.test_url = tests.get(topic.pk)
    return render(request, "content/study_index.html", {"topics": topics})


def study_topic(request, slug: str):
    if paper := _closed_book(request):
        return render(request, "content/closed_book.html", {"paper": paper})
    topic = get_object_or_404(Topic, slug=slug)
    notes = Note.objects.filter(topic=topic).select_related("source").with_question_counts()
    topics = Topic.objects.all()
    context = {"topic": topic, "notes": notes, "topics": topics, "test_url": _topic_tests().get(topic.pk)}
    return render(request, "content/study_topic.html", context)
