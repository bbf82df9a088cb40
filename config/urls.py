from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts.forms import AdminLoginForm

admin.site.site_header = "UPSC practice: authoring"
admin.site.site_title = "UPSC practice admin"
admin.site.index_title = "Questions, notes and students"
# The admin's sign-in refuses an overlong username as a form error too (accounts/forms.py).
admin.site.login_form = AdminLoginForm


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for on pages that name no icon (and some always do): the
    site's icon. Resolved per request, as production's static names are hashed and only known once
    collectstatic has run; temporary, so a browser never caches a redirect to an old hashed name."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("", include("quiz.urls")),
    path("", include("content.urls")),
    path("admin/", admin.site.urls),
]
