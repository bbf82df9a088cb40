from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from quiz.services.attempts import attempt_start, attempt_submit
from tests.factories import NoteFactory, QuestionFactory, QuizFactory, TopicFactory, UserFactory
from tests.helpers import MINUTE, T0, queries_for, topic_test


def build_topics(topics: int, notes_per_topic: int, questions_per_note: int):
    """Topics with notes and questions, each with its topic test (the links are part of what is counted)."""
    built = []
    for _ in range(topics):
        topic = TopicFactory()
        topic_test(topic)
        for _ in range(notes_per_topic):
            note = NoteFactory(topic=topic)
            QuestionFactory.create_batch(questions_per_note, note=note)
        built.append(topic)
    return built


@pytest.mark.django_db
def test_study_index_lists_topics_with_note_and_question_counts(client):
    topic = TopicFactory(name="Partnership vs alliance", description="The classic confusion.")
    note = NoteFactory(topic=topic, heading="A partnership is not an alliance")
    QuestionFactory.create_batch(2, note=note)
    QuestionFactory(note=note, status="draft")
    html = client.get(reverse("study_index")).content.decode()
    assert "Partnership vs alliance" in html
    assert "1 note · 2 questions" in html
    assert f'href="/study/{topic.slug}/#note-{note.key}">A partnership is not an alliance</a>' in html


@pytest.mark.django_db
def test_study_topic_shows_each_note_with_its_published_question_count(client):
    topic = TopicFactory()
    cited = NoteFactory(topic=topic, order=1, heading="Cited", body="An alliance obliges **mutual defence**.")
    NoteFactory(topic=topic, order=2, heading="Not cited")
    QuestionFactory(note=cited)
    QuestionFactory(note=cited, status="draft")
    response = client.get(reverse("study_topic", args=[topic.slug]))
    html = response.content.decode()
    assert [note.heading for note in response.context["notes"]] == ["Cited", "Not cited"]
    assert "Tested by 1 question" in html
    assert "No published question cites this note yet" in html
    assert "<p>An alliance obliges <strong>mutual defence</strong>.</p>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["study_index", "home"])
def test_study_topics_are_listed_in_their_authored_order(client, url_name):
    TopicFactory(name="Zeta first", order=1)
    TopicFactory(name="Alpha second", order=2)
    assert [t.name for t in client.get(reverse(url_name)).context["topics"]] == ["Zeta first", "Alpha second"]


@pytest.mark.django_db
def test_study_topic_unknown_slug_is_404(client):
    assert client.get(reverse("study_topic", args=["no-such-topic"])).status_code == 404


@pytest.mark.django_db
def test_study_topic_renders_authored_markup_without_script(client):
    topic = TopicFactory()
    NoteFactory(
        topic=topic,
        body='*ok* <script>alert("x")</script> <img src=x onerror=alert(1)> [link](javascript:alert(1))',
    )
    html = client.get(reverse("study_topic", args=[topic.slug])).content.decode()
    assert "<em>ok</em>" in html
    assert "<script>alert" not in html
    assert "onerror" not in html
    assert "javascript:" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "expected"), [("study_index", 3), ("home", 6)])
def test_study_listing_query_count_does_not_grow_with_content(client, url_name, expected, django_assert_num_queries):
    build_topics(1, 1, 1)
    with django_assert_num_queries(expected):
        small = queries_for(client, reverse(url_name))
    build_topics(6, 5, 4)
    with django_assert_num_queries(expected):
        assert queries_for(client, reverse(url_name)) == small


@pytest.mark.django_db
def test_study_topic_query_count_does_not_grow_with_notes(client, django_assert_num_queries):
    small_topic, large_topic = build_topics(1, 1, 1)[0], build_topics(1, 12, 5)[0]
    with django_assert_num_queries(4):
        large = queries_for(client, reverse("study_topic", args=[large_topic.slug]))
    with django_assert_num_queries(4):
        small = queries_for(client, reverse("study_topic", args=[small_topic.slug]))
    assert large == small


@pytest.mark.django_db
def test_home_shows_bank_size_and_topics(client):
    note = NoteFactory(topic=TopicFactory(name="India and NATO"))
    QuestionFactory(note=note, is_trap=True, trap_note="Dialogue is not membership.")
    QuestionFactory(note=note)
    html = client.get(reverse("home")).content.decode()
    assert "The bank holds <strong>2</strong> published questions, <strong>1</strong> of them trap question" in html
    assert "India and NATO" in html


# --- closed book: no notes while a paper under exam conditions runs (issue 14, item 11) ----------


@pytest.fixture
def exam_and_drill(db):
    note = NoteFactory(heading="A partnership is not an alliance", body="Only an alliance obliges mutual defence.")
    question = QuestionFactory(note=note)
    exam = QuizFactory(slug="mock", title="Full mock paper", questions=[question], exam_conditions=True)
    drill = QuizFactory(slug="drill", title="Drill", questions=[question])
    return note, exam, drill


def test_closed_book_study_pages_close_while_an_exam_conditions_paper_runs(
    student_client, student, exam_and_drill, time_machine
):
    note, exam, _ = exam_and_drill
    time_machine.move_to(T0, tick=False)
    paper = attempt_start(quiz=exam, user=student, now=T0).attempt  # ten minutes: ends at 14:40 in India
    for url in (reverse("study_index"), reverse("study_topic", args=[note.topic.slug])):
        html = student_client.get(url).content.decode()
        assert "The notes are closed while you sit <strong>Full mock paper</strong>" in html
        assert "They reopen when your paper ends: when you submit it, or at 14:40 at the latest." in html
        assert f'<a class="btn btn-primary" href="{paper.get_absolute_url()}">Back to your paper</a>' in html
        assert note.heading not in html and "mutual defence" not in html
    attempt_submit(attempt=paper, now=T0 + MINUTE)
    html = student_client.get(reverse("study_topic", args=[note.topic.slug])).content.decode()
    assert "Only an alliance obliges mutual defence." in html and "data-closed-book" not in html


@pytest.mark.parametrize("case", ["drill", "time_up", "someone_else", "visitor"])
def test_closed_book_leaves_the_notes_open_otherwise(client, student, exam_and_drill, time_machine, case):
    note, exam, drill = exam_and_drill
    time_machine.move_to(T0, tick=False)
    attempt_start(quiz=drill if case == "drill" else exam, user=student, now=T0)
    if case == "time_up":  # past its deadline and grace, though nothing has closed it yet
        time_machine.move_to(T0 + 10 * MINUTE + timedelta(seconds=6), tick=False)
    if case != "visitor":
        client.force_login(student if case != "someone_else" else UserFactory(username="ravi"))
    html = client.get(reverse("study_topic", args=[note.topic.slug])).content.decode()
    assert "Only an alliance obliges mutual defence." in html and "data-closed-book" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "expected"), [("study_index", 6), ("study_topic", 7)])
def test_study_pages_query_count_for_a_student(student_client, url_name, expected, django_assert_num_queries):
    """For a signed-in student: the session, the user, and whether they sit a closed-book paper (one
    query each) before what a visitor's page reads (its topics' tests among it, one query)."""
    topic = build_topics(2, 3, 2)[0]
    args = [topic.slug] if url_name == "study_topic" else []
    with django_assert_num_queries(expected):
        queries_for(student_client, reverse(url_name, args=args))


# --- from notes to a test (issue 17, item 4) -----------------------------------------------------


@pytest.mark.django_db
def test_study_topic_offers_its_topic_test_and_links_each_tested_note_to_it(client):
    topic = TopicFactory(name="Partnership vs alliance")
    cited = NoteFactory(topic=topic, order=1, heading="Cited")
    NoteFactory(topic=topic, order=2, heading="Not cited")
    QuestionFactory.create_batch(2, note=cited)
    quiz = topic_test(topic)
    html = client.get(reverse("study_topic", args=[topic.slug])).content.decode()
    url = reverse("quiz_detail", args=[quiz.slug])
    assert f'<a class="btn btn-primary" href="{url}" data-topic-test>Test yourself on this topic</a>' in html
    tested = "Tested by 2 questions: test yourself on this topic"
    assert f'<a class="text-primary-emphasis" href="{url}">{tested}</a>' in html
    assert "No published question cites this note yet" in html
    index = client.get(reverse("study_index")).content.decode()
    assert f'<a href="{url}">Test yourself on Partnership vs alliance</a>' in index
    detail = client.get(url).content.decode()
    assert "Topic test: Partnership vs alliance" in detail


@pytest.mark.django_db
def test_study_topic_without_a_topic_test_offers_none(client):
    topic, other = TopicFactory(), TopicFactory()
    QuestionFactory(note=NoteFactory(topic=topic))
    now = timezone.now()
    # None of these is the topic's test: each draws from more, or less, or shows nothing, or is not open.
    two_topics = topic_test(topic, slug="two")
    two_topics.rule_topics.add(other)
    topic_test(topic, slug="traps", rule_traps_only=True)
    topic_test(topic, slug="hard", rule_difficulty_min=3)
    topic_test(topic, slug="sealed", explanations="after_close", closes_at=now + timedelta(days=1))
    topic_test(topic, slug="draft", is_published=False)
    topic_test(topic, slug="over", closes_at=now - timedelta(days=1))
    topic_test(topic, slug="later", opens_at=now + timedelta(days=1))
    topic_test(topic, slug="fixed", selection="fixed")
    sourced = topic_test(topic, slug="sourced")
    sourced.rule_sources.set([topic.notes.get().source])
    html = client.get(reverse("study_topic", args=[topic.slug])).content.decode()
    assert "Tested by 1 question" in html
    assert "test yourself" not in html.lower()


@pytest.mark.django_db
def test_study_topic_links_the_first_of_two_topic_tests_in_the_quiz_list(client):
    topic = TopicFactory()
    topic_test(topic, slug="second", position=7)
    first = topic_test(topic, slug="first", position=6)
    html = client.get(reverse("study_topic", args=[topic.slug])).content.decode()
    assert f'href="{first.get_absolute_url()}" data-topic-test>' in html


def test_topic_test_draws_the_topics_published_questions_at_exam_pace_without_sealed_keys(student, time_machine):
    time_machine.move_to(T0, tick=False)
    topic = TopicFactory()
    mine = [QuestionFactory(note=NoteFactory(topic=topic)) for _ in range(4)]
    QuestionFactory(note=NoteFactory(topic=topic), status="draft")
    QuestionFactory()  # another topic
    # A live mock seals the key of one of the topic's questions until it closes.
    QuizFactory(questions=[mine[0]], explanations="after_close", closes_at=T0 + timedelta(days=1))
    paper = attempt_start(quiz=topic_test(topic), user=student, now=T0).attempt
    assert sorted(paper.items.values_list("question_id", flat=True)) == sorted(q.pk for q in mine[1:])
    assert paper.is_timed and paper.deadline - paper.started_at == timedelta(seconds=3 * 72)


def test_topic_test_link_closes_with_the_notes_under_exam_conditions(
    student_client, student, exam_and_drill, time_machine
):
    note, exam, _ = exam_and_drill
    topic_test(note.topic)
    time_machine.move_to(T0, tick=False)
    attempt_start(quiz=exam, user=student, now=T0)
    html = student_client.get(reverse("study_topic", args=[note.topic.slug])).content.decode()
    assert "data-closed-book" in html and "Test yourself" not in html
