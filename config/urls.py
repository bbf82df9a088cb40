from django.contrib import admin
from django.urls import include, path

from content import views as content_views

urlpatterns = [
    path("", content_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("content.urls")),
    path("admin/", admin.site.urls),
]
