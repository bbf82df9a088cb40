from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from content.models import Note, Topic


def study_index(request):
    # The index is a table of contents: headings only, the bodies are on the topic pages.
    headings = Note.objects.select_related("source").only("key", "heading", "topic_id", "order", "source__title")
    topics = Topic.objects.with_published_counts().prefetch_related(Prefetch("notes", queryset=headings))
    return render(request, "content/study_index.html", {"topics": topics})


def study_topic(request, slug: str):
    topic = get_object_or_404(Topic, slug=slug)
    notes = Note.objects.filter(topic=topic).select_related("source").with_question_counts()
    topics = Topic.objects.all()
    return render(request, "content/study_topic.html", {"topic": topic, "notes": notes, "topics": topics})
