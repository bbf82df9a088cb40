from django.contrib import admin
from django.urls import include, path

from content import views as content_views

admin.site.site_header = "UPSC practice: authoring"
admin.site.site_title = "UPSC practice admin"
admin.site.index_title = "Questions, notes and students"

urlpatterns = [
    path("", content_views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("", include("content.urls")),
    path("admin/", admin.site.urls),
]
