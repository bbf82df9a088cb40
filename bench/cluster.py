"""Production's pieces on this machine, for the benchmarks: nginx running deploy/nginx.conf, and a
private redis-server that can be restarted.

The shipped nginx config is used as it is, but for its `# site:` lines (the app instances, the
ports it listens on, the certificate), which `nginx_site` fills in; it fails if any of them is
missing, so the file and the benchmarks cannot drift apart. tests/test_cluster.py runs
`nginx -t` on what it makes.
"""

# ruff: noqa: S603 -- the commands run here are built from this checkout's own paths.

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections import Counter
from pathlib import Path

from bench.run import free_port

BASE = Path(__file__).resolve().parent.parent
NGINX_SITE = BASE / "deploy" / "nginx.conf"
SITE_LINE = re.compile(r"^(?P<indent>[ \t]*)(?P<directive>[^#\n]*?);[ \t]*# site: (?P<what>.+)$", re.MULTILINE)
SITE_LINES = {"app instance", "plain http", "host name", "https", "certificate", "certificate key"}

# The main config around the site: everything nginx.conf's `http` block would hold on a server, here
# under the run's directory, plus the pretend proxy in front (the bench's clients name themselves in
# X-Forwarded-For, as behind a load balancer or CDN in front of nginx; README, "Behind a reverse proxy").
NGINX_MAIN = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx.error.log warn;
events {{ worker_connections 4096; }}
http {{
    {access_log}
    client_body_temp_path {dir}/nginx-tmp/body;
    proxy_temp_path {dir}/nginx-tmp/proxy;
    fastcgi_temp_path {dir}/nginx-tmp/fastcgi;
    uwsgi_temp_path {dir}/nginx-tmp/uwsgi;
    scgi_temp_path {dir}/nginx-tmp/scgi;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    include {site};
}}
"""
# One line per request: when it ended, what the client got, and every instance nginx tried with its
# status ("502, 200": a retry on the next instance that the client never saw).
ACCESS_LOG = (
    'log_format balancer \'$msec $status $request_method $uri "$upstream_addr" "$upstream_status" $request_time\';\n'
    "    access_log {dir}/nginx.access.log balancer;"
)


def nginx_site(
    *,
    certificate: Path,
    key: Path,
    upstreams: list[str] | None = None,
    https: int | None = None,
    http: int | None = None,
) -> str:
    """deploy/nginx.conf with its `# site:` lines filled in: the certificate always; the app
    instances (host:port) and the loopback ports it listens on when given, else as shipped."""
    text = NGINX_SITE.read_text()
    seen: Counter = Counter()

    def fill(match: re.Match) -> str:
        indent, directive, what = match["indent"], match["directive"], match["what"]
        seen[what] += 1
        if what == "app instance" and upstreams is not None:
            if seen[what] > 1:
                return ""  # the first shipped line stands for them all
            parameters = directive.split(None, 2)[2]  # server <address> <max_fails=… fail_timeout=…>
            return "\n".join(f"{indent}server {address} {parameters};" for address in upstreams)
        if what == "https" and https is not None:
            return f"{indent}listen 127.0.0.1:{https} ssl http2;"
        if what == "plain http" and http is not None:
            return f"{indent}listen 127.0.0.1:{http};"
        if what == "certificate":
            return f"{indent}ssl_certificate {certificate};"
        if what == "certificate key":
            return f"{indent}ssl_certificate_key {key};"
        return match[0]

    text = SITE_LINE.sub(fill, text)
    if set(seen) != SITE_LINES:
        raise SystemExit(f"{NGINX_SITE}: expected `# site:` lines {sorted(SITE_LINES)}, found {sorted(seen)}")
    return text


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (the clients do not verify it)."""
    certificate, key = directory / "nginx-cert.pem", directory / "nginx-key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(certificate), "-days", "2", "-subj", "/CN=127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def nginx_config(
    directory: Path, upstreams: list[str] | None, *, https: int | None, http: int | None, access_log: bool
) -> Path:
    """Write the run's nginx main config and the filled-in site beside it; return the main config's path."""
    tmp = directory / "nginx-tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o777)  # nginx's workers drop root for nobody, and buffer request bodies here
    certificate, key = self_signed_certificate(directory)
    site = directory / "nginx-site.conf"
    site.write_text(nginx_site(certificate=certificate, key=key, upstreams=upstreams, https=https, http=http))
    main = directory / "nginx.conf"
    log = ACCESS_LOG.format(dir=directory) if access_log else "access_log off;"
    main.write_text(NGINX_MAIN.format(dir=directory, site=site, access_log=log))
    return main


def nginx_binary() -> str:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("This benchmark needs nginx (apt-get install nginx)")
    return binary


def start_nginx(
    directory: Path, upstreams: list[str], *, niceness: int = 0, cores: set | None = None, access_log: bool = False
) -> tuple[str, subprocess.Popen]:
    """nginx with deploy/nginx.conf in front of `upstreams` (host:port), on a free loopback port.

    Returns its https URL and process."""
    port = free_port()
    main = nginx_config(directory, upstreams, https=port, http=free_port(), access_log=access_log)
    process = subprocess.Popen(
        [nginx_binary(), "-c", main, "-p", directory, "-e", directory / "nginx.error.log", "-g", "daemon off;"],
        preexec_fn=lambda: (os.nice(niceness), cores and os.sched_setaffinity(0, cores)),
    )
    url = f"https://127.0.0.1:{port}"
    deadline = time.time() + 10
    while time.time() < deadline:
        if https_status(url, "/accounts/login/") == 200:
            return url, process
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"nginx on {url} did not answer 200: see {directory}/nginx.error.log")


UNVERIFIED = ssl._create_unverified_context()  # noqa: S323 (our own throw-away certificate)


def https_status(url: str, path: str) -> int:
    """The status of a GET through the proxy as a browser behind TLS sends it; 0 if no answer."""
    netloc = url.split("//", 1)[1]
    connection = http.client.HTTPSConnection(netloc, timeout=5, context=UNVERIFIED)
    try:
        connection.request("GET", path, headers={"Host": netloc, "X-Forwarded-For": "192.0.2.250"})
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


class Redis:
    """A private redis-server on a loopback port, without persistence: a restart empties it, as a
    restarted cache server with no disk would be."""

    def __init__(self, *, cores: set | None = None):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            raise SystemExit("This benchmark needs redis-server (apt-get install redis-server)")
        self.port = free_port()
        self.cores = cores
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            preexec_fn=lambda: self.cores and os.sched_setaffinity(0, self.cores),
        )
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(7) == b"+PONG\r\n":
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"redis-server on port {self.port} did not answer")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()

    def restart(self, *, down_seconds: float = 1.0) -> None:
        """Stop, stay down a moment (requests meanwhile find no Redis), start empty on the same port."""
        self.stop()
        time.sleep(down_seconds)
        self.start()
