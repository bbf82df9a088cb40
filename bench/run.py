"""The whole load benchmark in one command: `make bench`, or

    .venv/bin/python -m bench.run [--students 200] [--databases sqlite,postgres] [--help]

For each database: a fresh database (SQLite in WAL mode under bench/.run/, or PostgreSQL's
`h_bench`, created if the server has none yet, else emptied), migrated and prepared
(bench/prepare.py); gunicorn with 2 sync workers in production settings on a free port; then

1. students: N simulated students sign in, sit the 50-question quiz autosaving every answer, and
   submit (bench/locustfile.py). Midway the driver SIGKILLs a gunicorn worker and, on PostgreSQL,
   terminates every database connection (pg_terminate_backend);
2. capacity: a few users post as fast as the server answers, autosaves and the bare one-write
   view (bench/views.py) in alternating phases: the autosave's throughput as a share of it;
3. PostgreSQL only: students again against two gunicorn instances on two ports, every student's
   requests alternating between them, with the same faults;

then stops the servers, checks every acknowledged answer and every score in the database
(bench/verify.py), searches the servers' logs for tracebacks and "database is locked", and prints
a summary (also written to bench/.run/<time>/summary.md with every raw file beside it).
"""

# ruff: noqa: S603 -- every command run here is built from this checkout's own paths and options.

import argparse
import json
import os
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import report

BASE = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RUNS = BASE / "bench" / ".run"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/h_bench"


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Bench:
    def __init__(self, args):
        self.args = args
        self.dir = RUNS / datetime.now().strftime("%Y%m%d-%H%M%S")
        self.dir.mkdir(parents=True)
        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
            # Hashed names as in production, without compressing every file (half a minute on two
            # cores): the benchmark never downloads static files, and the pages it renders name them
            # the same way.
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
            # The simulated clients stand behind a pretend proxy on 127.0.0.1 and each names its own
            # address in X-Forwarded-For: the sign-in limits count per address, and 200 students
            # are not one address (bench.flood models one that is).
            "TRUSTED_PROXIES": "127.0.0.1",
        }
        self.servers: list[subprocess.Popen] = []
        self.faults: list[dict] = []
        self.cpu: dict[str, dict] = {}
        help_text = subprocess.run([BIN / "gunicorn", "--help"], capture_output=True, text=True, check=True).stdout
        # Several instances must not share ~/.gunicorn/gunicorn.ctl; gunicorn 23 has no control socket yet.
        self.control_socket = ["--no-control-socket"] if "--no-control-socket" in help_text else []

    # --- helpers -----------------------------------------------------------------------------------

    def django(self, database_url: str, *command: str, **kwargs) -> subprocess.CompletedProcess:
        env = self.env | {"DATABASE_URL": database_url}
        return subprocess.run([BIN / "python", *command], cwd=BASE, env=env, check=True, **kwargs)

    def collectstatic(self) -> None:
        log("collectstatic")
        self.django("sqlite://:memory:", "manage.py", "collectstatic", "--noinput", "-v0")

    def reset(self, database_url: str) -> None:
        if database_url.startswith("sqlite"):
            return  # a new file per run
        import psycopg

        postgres_database_ensure(database_url)
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE")
            connection.execute("CREATE SCHEMA public")

    def start_server(self, database_url: str, label: str, port: int | None = None) -> tuple[str, subprocess.Popen]:
        """A gunicorn instance on `port` (a free one if None); its log goes to <label>.gunicorn.log (appended)."""
        port = port or free_port()
        stderr = open(self.dir / f"{label}.gunicorn.log", "a")  # noqa: SIM115 (the server outlives this call)
        server = subprocess.Popen(
            [
                BIN / "gunicorn",
                # Production's gunicorn settings (make serve), with the benchmark's port and workers.
                "--config",
                "config/gunicorn.py",
                "--workers",
                str(self.args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                *self.control_socket,
            ],
            cwd=BASE,
            env=self.env | {"DATABASE_URL": database_url},
            stdout=stderr,
            stderr=stderr,
        )
        self.servers.append(server)
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(
                        b"GET /accounts/login/ HTTP/1.0\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n\r\n"
                    )
                    if probe.recv(12).endswith(b"200"):
                        return url, server
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn on {url} did not answer 200 on /accounts/login/: see {stderr.name}")

    def stop_servers(self) -> None:
        for server in self.servers:
            server.send_signal(signal.SIGTERM)
        for server in self.servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        self.servers = []

    def server_cpu(self) -> float:
        """CPU seconds the running servers have used so far: masters, live workers and reaped ones."""
        total = 0
        for server in self.servers:
            for pid in [server.pid, *self.workers_of(server)]:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except FileNotFoundError:
                    continue  # a worker that just exited: its time is in the master's children
                # utime and stime, and for the master also its reaped children's (dead workers').
                total += sum(int(f) for f in fields[11 : 15 if pid == server.pid else 13])
        return total / os.sysconf("SC_CLK_TCK")

    def workers_of(self, server: subprocess.Popen) -> list[int]:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def locust(self, label: str, hosts: list[str], *, users: int, extra: list[str], faults=None) -> str:
        out = self.dir / label
        command = [
            BIN / "locust",
            "-f",
            BASE / "bench" / "locustfile.py",
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(self.args.spawn_rate),
            "--run-time",
            f"{self.args.time_limit}s",
            "--hosts",
            ",".join(hosts),
            "--host",
            hosts[0],
            "--out",
            out,
            "--only-summary",
            "--loglevel",
            "WARNING",
            *extra,
        ]
        before = (time.time(), resource.getrusage(resource.RUSAGE_CHILDREN), self.server_cpu())
        with open(f"{out}.locust.log", "w") as output:
            process = subprocess.Popen(command, cwd=BASE, stdout=output, stderr=subprocess.STDOUT)
            thread = threading.Thread(target=faults, args=(Path(f"{out}.answers"), label), daemon=True)
            if faults:
                thread.start()
            try:
                process.wait()
            finally:
                if process.poll() is None:  # interrupted: locust writes its files as it stops
                    process.terminate()
                    process.wait()
            if faults:
                thread.join(timeout=5)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu[label] = {
            "wall": time.time() - before[0],
            "locust": after.ru_utime + after.ru_stime - before[1].ru_utime - before[1].ru_stime,
            "servers": self.server_cpu() - before[2],
            "load average": os.getloadavg()[0],
        }
        return f"{out}"

    # --- faults ------------------------------------------------------------------------------------

    def fault_injector(self, servers: list[subprocess.Popen], database_url: str):
        """A thread body: SIGKILL a worker at 30% of the expected acknowledged saves, drop DB connections at 60%."""
        expected = self.args.students * 50 * 1.05  # every answer, a few blanks, a few second thoughts
        postgres = database_url.startswith("postgres")

        def inject(answers: Path, label: str) -> None:
            steps = [(0.3, "kill-worker")] + ([(0.6, "terminate-connections")] if postgres else [])
            for share, kind in steps:
                while acknowledged(answers) < share * expected:
                    if not any(server.poll() is None for server in servers) or time.time() > self.locust_deadline:
                        return
                    time.sleep(0.2)
                event = {"run": label, "fault": kind, "at": time.time(), "acknowledged_before": acknowledged(answers)}
                if kind == "kill-worker":
                    server = servers[-1]  # with two servers, the second: the first gets the DB fault too
                    victim = self.workers_of(server)[0]
                    os.kill(victim, signal.SIGKILL)
                    event["detail"] = f"SIGKILL worker {victim} of gunicorn {server.pid}"
                else:
                    import psycopg

                    with psycopg.connect(database_url, autocommit=True) as connection:
                        killed = connection.execute(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = %s AND pid <> pg_backend_pid()",
                            [urlsplit(database_url).path.lstrip("/")],
                        ).fetchone()[0]
                    event["detail"] = f"pg_terminate_backend on {killed} connections"
                log(f"  fault: {event['detail']}")
                self.faults.append(event)

        return inject

    # --- one database ------------------------------------------------------------------------------

    def run_database(self, kind: str) -> dict:
        args = self.args
        url = f"sqlite:///{self.dir / 'bench.sqlite3'}" if kind == "sqlite" else args.postgres_url
        log(f"{kind}: reset, migrate, prepare")
        self.reset(url)
        runs = set(args.runs.split(","))
        two_servers = kind == "postgres" and "two-servers" in runs
        groups = [f"load-={args.students}", f"cap-={args.capacity_users}"] + ([f"two-={args.students}"] * two_servers)
        self.django(url, "-m", "bench.prepare", *[f"--group={g}" for g in groups], stdout=subprocess.DEVNULL)
        result: dict = {"database": kind, "runs": {}}
        host, server = self.start_server(url, f"{kind}-1")
        common = ["--pause", str(args.pause)]
        try:
            if "students" in runs:
                log(f"{kind}: {args.students} students, one server")
                self.locust_deadline = time.time() + args.time_limit
                faults = self.fault_injector([server], url) if args.faults else None
                result["runs"]["students"] = self.locust(
                    f"{kind}-students", [host], users=args.students, extra=[*common, "--prefix", "load-"], faults=faults
                )
            if "capacity" in runs:
                log(f"{kind}: capacity, {args.capacity_users} users, autosave vs bare write")
                phases = ",".join([f"autosave:{args.phase_seconds},bare:{args.phase_seconds}"] * args.rounds)
                result["runs"]["capacity"] = self.locust(
                    f"{kind}-capacity",
                    [host],
                    users=args.capacity_users,
                    extra=["--scenario", "capacity", "--prefix", "cap-", "--phases", phases],
                )
            if two_servers:
                second, server2 = self.start_server(url, f"{kind}-2")
                log(f"{kind}: {args.students} students, two servers")
                self.locust_deadline = time.time() + args.time_limit
                faults = self.fault_injector([server, server2], url) if args.faults else None
                result["runs"]["two-servers"] = self.locust(
                    f"{kind}-two-servers",
                    [host, second],
                    users=args.students,
                    extra=[*common, "--prefix", "two-"],
                    faults=faults,
                )
        finally:
            self.stop_servers()
        log(f"{kind}: verify")
        answer_files = sorted(str(p) for p in self.dir.glob(f"{kind}-*.answers"))
        verified = self.django(url, "-m", "bench.verify", "--json", *answer_files, capture_output=True, text=True)
        result["verify"] = json.loads(verified.stdout)
        result["logs"] = scan_logs(sorted(self.dir.glob(f"{kind}-*.gunicorn.log")))
        return result


def postgres_database_ensure(database_url: str) -> None:
    """Create the benchmark's PostgreSQL database if it is missing (a fresh machine has none); never a test one."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if name == "test" or name.startswith("test_"):
        raise SystemExit(f"Refusing to use database {name!r} for a benchmark: it belongs to the test suite.")
    # The server's own maintenance database, to create ours from.
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def acknowledged(path: Path) -> int:
    try:
        with open(path, "rb") as answers:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: answers.read(1 << 16), b""))
    except FileNotFoundError:
        return 0


ACCESS_STATUS = re.compile(r'" (\d{3}) ')


def scan_logs(paths: list[Path]) -> dict:
    """What the servers said that a student could have seen as an error, and their 5xx responses."""
    needles = ("database is locked", "Traceback", "Internal Server Error", "was sent SIGKILL", "Booting worker")
    found = dict.fromkeys(needles, 0) | {"5xx in the access log": 0}
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            for needle in needles:
                found[needle] += needle in line
            status = ACCESS_STATUS.search(line)
            found["5xx in the access log"] += bool(status and status.group(1).startswith("5"))
    return found


# --- the summary -----------------------------------------------------------------------------------


def cpu_line(cpu: dict | None) -> str:
    if not cpu:
        return ""
    return (
        f"CPU during the run: servers {cpu['servers']:.0f} s, load generator {cpu['locust']:.0f} s, "
        f"of {2 * cpu['wall']:.0f} core-seconds ({cpu['wall']:.0f} s on 2 cores); "
        f"load average at its end {cpu['load average']:.1f}."
    )


def students_section(bench: Bench, kind: str, name: str, path: str) -> list[str]:
    args = bench.args
    samples = report.load(f"{path}.samples")
    figures = report.students(samples)
    servers = "two servers, every student's requests alternating" if name == "two-servers" else "one server"
    lines = [
        f"### {name}: {args.students} students, {servers}",
        "",
        f"{figures['requests_per_second']:.0f} requests/s over {figures['wall_seconds']:.0f} s; "
        f"{figures['finished']} of {args.students} students finished (submitted and saw their result). "
        f"Failures students saw and retried: {figures['retried'] or 'none'}; "
        f"gave up: {figures['gave_up'] or 'none'}. {cpu_line(bench.cpu.get(f'{kind}-{name}'))}",
        "",
        report.table(figures["endpoints"]),
        "",
    ]
    faults = [f for f in bench.faults if f["run"] == f"{kind}-{name}"]
    # With no faults (--no-faults) there is nothing to pair: zip stops at the shorter list.
    for fault, following in zip(faults, [*faults[1:], None], strict=False):
        # A failure belongs to the latest fault before it, for at most 10 seconds.
        end = min(fault["at"] + 10, following["at"] if following else float("inf"))
        around = report.errors_between(samples, fault["at"], end)
        lines.append(
            f"- fault: {fault['detail']} after {fault['acknowledged_before']} acknowledged saves; "
            f"failed requests in the {end - fault['at']:.0f} s after: {dict(around) or 'none'}"
        )
    return [*lines, ""]


def capacity_section(bench: Bench, kind: str, path: str) -> list[str]:
    cap = report.capacity(report.load(f"{path}.samples"))
    lines = [
        f"### capacity: {bench.args.capacity_users} users posting back to back",
        "",
        cpu_line(bench.cpu.get(f"{kind}-capacity")),
        "",
        "| | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for what in ("autosave", "bare"):
        if what in cap:
            figures = [f"{cap[what][key]:.0f}" for key in ("per_second", "p50", "p95", "p99")]
            lines.append(f"| {what} | {' | '.join(figures)} |")
    if "ratio" in cap:
        verdict = "meets" if cap["ratio"] >= 0.5 else "BELOW"
        lines += ["", f"Autosave / bare write: **{cap['ratio']:.2f}** ({verdict} the 0.5 target)."]
        rounds = ", ".join(f"{ratio:.2f}" for ratio in cap["round_ratios"])
        lines.append(f"Round by round (each autosave phase against the bare phase after it): {rounds}.")
    if cap["errors"]:
        lines.append(f"Errors: {cap['errors']}")
    return [*lines, ""]


def verification_section(result: dict) -> list[str]:
    v = result["verify"]
    answers_ok = not any(p.startswith(("lost", "wrong")) for p in v["problems"])
    scores_ok = not any(p.startswith("score") for p in v["problems"])
    return [
        "### verification",
        "",
        f"{v['acknowledged_saves']} acknowledged saves, {v['answers_checked']} (attempt, question) pairs: "
        f"{'every one stored as acknowledged' if answers_ok else 'PROBLEMS'}; "
        f"{v['scores_checked']} scores recomputed of {v['attempts']} attempts ({v['attempts_open']} still open): "
        f"{'all equal' if scores_ok else 'PROBLEMS'}.",
        f"Server logs: {result['logs']}",
        "",
        *[f"- {problem}" for problem in v["problems"][:20]],
    ]


def summarize(bench: Bench, results: list[dict], started: float) -> str:
    args = bench.args
    lines = [
        f"# Benchmark run {bench.dir.name}",
        "",
        f"Command: `python -m bench.run {' '.join(sys.argv[1:])}`".replace("  ", " "),
        f"Load average before the run: {args.load_before}; after: {os.getloadavg()[0]:.2f} "
        f"(2 cores; other work on the machine counts). Wall time {time.time() - started:.0f} s.",
        "",
    ]
    for result in results:
        kind, runs = result["database"], result["runs"]
        lines += [f"## {kind}", ""]
        if "students" in runs:
            lines += students_section(bench, kind, "students", runs["students"])
        if "capacity" in runs:
            lines += capacity_section(bench, kind, runs["capacity"])
        if "two-servers" in runs:
            lines += students_section(bench, kind, "two-servers", runs["two-servers"])
        lines += verification_section(result)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=50, help="students arriving per second")
    parser.add_argument("--pause", type=float, default=0.6, help="mean seconds a student thinks per answer")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES))
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers per server")
    parser.add_argument("--capacity-users", type=int, default=32)
    parser.add_argument("--phase-seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="capacity: autosave and bare phases, alternating")
    parser.add_argument("--time-limit", type=int, default=360, help="seconds before a locust run is cut short")
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    parser.add_argument(
        "--runs",
        default="students,capacity,two-servers",
        help="which runs, in this order: students, capacity (the ratio), two-servers (PostgreSQL only)",
    )
    args = parser.parse_args()
    args.load_before = f"{os.getloadavg()[0]:.2f}"

    def interrupted(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    # Also when started in the background, where SIGINT is ignored: the servers must be stopped.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    started = time.time()
    bench = Bench(args)
    bench.collectstatic()
    results = []
    try:
        for kind in args.databases.split(","):
            results.append(bench.run_database(kind))
    finally:
        bench.stop_servers()
    summary = summarize(bench, results, started)
    (bench.dir / "summary.md").write_text(summary + "\n")
    (bench.dir / "summary.json").write_text(
        json.dumps({"results": results, "faults": bench.faults, "cpu": bench.cpu}, indent=1)
    )
    print(summary)
    ok = all(r["verify"]["ok"] and r["logs"]["database is locked"] == 0 for r in results)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
