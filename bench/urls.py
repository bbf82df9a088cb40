from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/write/", views.bare_write, name="bench_write"),
    path("", include("config.urls")),
]
