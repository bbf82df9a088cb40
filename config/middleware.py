"""The Content-Security-Policy middleware, with the one exception the admin needs.

Django's own admin runs under our strict policy. django-import-export's export page does not: its
template has an inline `onchange` handler (the "Select all" box) and two `style` attributes. Rather
than copying and maintaining a third-party template, admin pages may run exactly those three
snippets, allowed by their hashes ('unsafe-hashes' lets a hash cover an attribute). Nothing else
inline runs anywhere, and students' pages get the plain policy.
"""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.urls import reverse

ADMIN_EXCEPTIONS = {
    # onchange="onSelectToggleChange(event)"
    "script-src": ["'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
    # style="padding: 0;" and style="font-weight: bold;"
    "style-src": [
        "'unsafe-hashes'",
        "'sha256-mHgUAqxc8GPXM/QhzkHrHujcrQTU9fd6ZjWz+icxKcA='",
        "'sha256-+YWRMZ88jMyO7jVlBA52tZADiPobPIUA8LAWee68Fvs='",
    ],
}


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(reverse("admin:index")):
            update = dict(parts.update or {})
            for directive, sources in ADMIN_EXCEPTIONS.items():
                update[directive] = [*update.get(directive, []), *sources]
            parts.update = update
        return parts
