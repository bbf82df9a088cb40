from django.contrib import admin
from django.urls import include, path

from accounts.forms import AdminLoginForm

admin.site.site_header = "UPSC practice: authoring"
admin.site.site_title = "UPSC practice admin"
admin.site.index_title = "Questions, notes and students"
# The admin's sign-in refuses an overlong username as a form error too (accounts/forms.py).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("", include("quiz.urls")),
    path("", include("content.urls")),
    path("admin/", admin.site.urls),
]
