from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from content.models import Note, Question, Topic


def home(request):
    published = Question.objects.published()
    context = {
        "topics": Topic.objects.with_published_counts(),
        "bank": published.aggregate(total=Count("pk"), traps=Count("pk", filter=Q(is_trap=True))),
    }
    return render(request, "content/home.html", context)


def study_index(request):
    topics = Topic.objects.with_published_counts().prefetch_related(
        # Headings only: the index is a table of contents, the bodies are on the topic pages.
        "notes__source"
    )
    return render(request, "content/study_index.html", {"topics": topics})


def study_topic(request, slug: str):
    topic = get_object_or_404(Topic, slug=slug)
    notes = Note.objects.filter(topic=topic).select_related("source").with_question_counts()
    topics = Topic.objects.all()
    return render(request, "content/study_topic.html", {"topic": topic, "notes": notes, "topics": topics})
