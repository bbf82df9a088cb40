from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "UPSC practice: authoring"
admin.site.site_title = "UPSC practice admin"
admin.site.index_title = "Questions, notes and students"

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("", include("quiz.urls")),
    path("", include("content.urls")),
    path("admin/", admin.site.urls),
]
