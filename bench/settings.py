"""The product's settings plus the bare-write view, for benchmarks only.

Everything else (DEBUG, the database, security) comes from config.settings and the environment
unchanged, so the bare view and the app are measured on one server with one configuration.
"""

from config.settings import *  # noqa: F403
from config.settings import BASE_DIR, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# Its own collectstatic target, so a benchmark never races `make serve` over staticfiles/.
STATIC_ROOT = BASE_DIR / "bench" / ".run" / "static"
