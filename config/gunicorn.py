"""gunicorn settings for `make serve` (`gunicorn -c config/gunicorn.py`); the environment overrides them.

Sync workers: each request is a short database transaction, and on two cores 2-4 sync workers
outran gthread, which was also more erratic. WEB_CONCURRENCY sets their number.
"""

import os
from multiprocessing import cpu_count
from pathlib import Path

wsgi_app = "config.wsgi:application"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, max(2, cpu_count()))))
worker_class = "sync"
# A request is a few queries; one stuck past this is killed and its worker replaced, and the
# paper's autosave retries the save on another worker.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# The workers' heartbeat files go in memory: on a busy disk, writing them can stall a worker
# long enough for the arbiter to kill it. (gunicorn makes them with mkstemp: private, unguessable.)
SHM = Path("/dev/shm")  # noqa: S108
worker_tmp_dir = str(SHM) if SHM.is_dir() else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
