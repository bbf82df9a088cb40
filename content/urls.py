from django.urls import path

from content import views

urlpatterns = [
    path("study/", views.study_index, name="study_index"),
    path("study/<slug:slug>/", views.study_topic, name="study_topic"),
]
