from django.urls import path

from quiz import views

urlpatterns = [
    path("", views.home, name="home"),
    path("quizzes/", views.quiz_list, name="quiz_list"),
    path("quizzes/<slug:slug>/", views.quiz_detail, name="quiz_detail"),
    path("quizzes/<slug:slug>/lobby/", views.quiz_lobby, name="quiz_lobby"),
    path("quizzes/<slug:slug>/start/", views.quiz_start, name="quiz_start"),
    path("attempts/<uuid:public_id>/", views.attempt_paper, name="attempt_paper"),
    # Any id here, so that a malformed one gets the JSON contract's 404, not an HTML page.
    path("attempts/<str:public_id>/answer/", views.attempt_answer, name="attempt_answer"),
    path("attempts/<str:public_id>/state/", views.attempt_state, name="attempt_state"),
    path("attempts/<uuid:public_id>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<uuid:public_id>/result/", views.attempt_result, name="attempt_result"),
    path("history/", views.history, name="history"),
    path("practice/", views.practice, name="practice"),
    path("practice/start/", views.practice_start, name="practice_start"),
    path("staff/quizzes/<slug:slug>/stats/", views.quiz_stats, name="quiz_stats"),
]
