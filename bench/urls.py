from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/write/", views.bare_write, name="bench_write"),
    path("bench/user/", views.bare_user, name="bench_user"),
    path("", include("config.urls")),
]
