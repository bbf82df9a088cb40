"""The all-India live mock on this machine: `python -m bench.storm` (`make bench` runs it after bench.run).

    .venv/bin/python -m bench.storm [--students 150] [--exam-seconds 180] [--help]

The production cluster (README, "Production"), all on this machine: three gunicorn instances in
production settings (2 sync workers each), nginx running the shipped deploy/nginx.conf in front
of them over TLS, a private redis-server (REDIS_URL: cache, rate limits, sessions via cached_db)
and PostgreSQL on the benchmark's own database (`h_storm`, created if missing, emptied; never a
test database). Then one live mock, a 50-question quiz whose `closes_at` is every paper's common
end (bench/locustfile.py, scenario `storm`):

1. lobby: the students arrive over the first seconds, sign in (the real Argon2 check) and open
   the quiz page, before the start;
2. start storm: every student presses Start and loads the paper within `--start-window` seconds;
3. steady: answers autosaved at exam pace until the end. Meanwhile the faults: one app instance is
   killed (SIGKILL, master and workers; restarted later on its port), Redis is restarted empty,
   and every PostgreSQL connection is terminated;
4. deadline storm: at zero every page submits its paper (`--submit-share` of them; the rest were
   closed tabs) and opens the result, all within seconds;
5. close: `close_expired_attempts`, as cron runs it, closes and grades the papers nobody submitted.

Then the bare one-write view and the autosave in alternating phases through the same balancer
(bench.run's capacity scenario), for the ratio of each phase's CPU per request to the bare view's
in the same run. Every second a sampler reads the CPU of every process of the cluster (gunicorn
masters and workers, nginx, redis-server, the database's backends). Afterwards bench/verify.py
checks every acknowledged answer and recomputes every score. bench/README.md ("The storm") has
the figures and the capacity model made from them; raw files go to bench/.run/<time>/.
"""

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from bench import report
from bench.cluster import Redis, start_nginx
from bench.run import Bench, free_port, log, scan_logs

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/h_storm"
QUIZ = "storm-50"
CAPACITY_QUIZ = "bench-50"
TICK = os.sysconf("SC_CLK_TCK")
RETRY_STATUSES = {0, 403, 429} | set(range(500, 600))  # what a student (the locustfile) repeats
GRACE_SECONDS = 5  # config.settings.QUIZ_GRACE_SECONDS, unchanged by the bench


# --- the schedule ----------------------------------------------------------------------------------


def schedule_live_mock(bench: Bench, database_url: str, *, start_at: float, closes_at: float) -> None:
    """Give the storm's quiz its common end: every paper's deadline is `closes_at` (attempt_start
    caps a paper's time at the quiz's close).

    LOBBY PLUG-IN (issue 16, item 1): when scheduled live mocks land, this is where the quiz gets
    its fixed start (`start_at`, the lobby opening before it) besides its end; the students'
    side is `wait_for_common_start` in bench/locustfile.py.
    """
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE quiz_quiz SET closes_at = %s WHERE slug = %s", [datetime.fromtimestamp(closes_at, UTC), QUIZ]
        )


# --- CPU of every process of the cluster, second by second -----------------------------------------


def cpu_of(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def children_of(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Sampler(threading.Thread):
    """Every second: the CPU each part of the cluster used since the last second.

    Per process, the difference between two readings, so a process that dies (a killed instance, a
    terminated database connection) loses at most its last second, and one born during the run
    counts from zero. The database's backends are found by their process title, which names the
    database.
    """

    def __init__(self, bench: Bench, nginx: subprocess.Popen, redis: Redis, database: str):
        super().__init__(daemon=True)
        self.bench, self.nginx, self.redis = bench, nginx, redis
        self.title = f" {database} ".encode()
        self.last: dict[int, float] = {}
        self.rows: list[tuple[float, dict[str, float]]] = []
        self.stopping = threading.Event()
        self.read()  # what every process had used before the run: not counted

    def processes(self) -> dict[int, str]:
        found: dict[int, str] = {}
        for server in list(self.bench.servers):
            if server.poll() is None:
                for pid in [server.pid, *children_of(server.pid)]:
                    found[pid] = "app"
        for pid in [self.nginx.pid, *children_of(self.nginx.pid)]:
            found[pid] = "nginx"
        if self.redis.process:
            found[self.redis.process.pid] = "redis"
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    title = Path(f"/proc/{entry.name}/cmdline").read_bytes()
                except OSError:
                    continue
                if title.startswith(b"postgres: ") and self.title in title:
                    found[int(entry.name)] = "database"
        return found

    def read(self) -> dict[str, float]:
        used: Counter = Counter()
        for pid, part in self.processes().items():
            now = cpu_of(pid)
            if now is not None:
                used[part] += now - self.last.get(pid, 0.0)
                self.last[pid] = now
        return dict(used)

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.rows.append((time.time(), self.read()))

    def between(self, start: float, end: float) -> dict[str, float]:
        """CPU seconds by part over the samples taken in (start, end]."""
        total: Counter = Counter()
        for at, used in self.rows:
            if start < at <= end:
                total.update(used)
        return {part: total.get(part, 0.0) for part in ("app", "database", "nginx", "redis")}


# --- the faults ------------------------------------------------------------------------------------


class Faults:
    """During the steady phase, at set shares of it: kill an instance, restart it, restart Redis,
    terminate the database's connections."""

    def __init__(self, bench: Bench, redis: Redis, database_url: str, ports: list[int]):
        self.bench, self.redis, self.database_url, self.ports = bench, redis, database_url, ports
        self.events: list[dict] = []

    def run(self, steady_start: float, steady_end: float) -> None:
        length = steady_end - steady_start
        steps = [(0.15, self.kill_instance), (0.35, self.restart_instance), (0.55, self.restart_redis)]
        steps.append((0.75, self.terminate_connections))
        for share, fault in steps:
            time.sleep(max(0.0, steady_start + share * length - time.time()))
            at = time.time()
            detail = fault()
            self.events.append({"at": at, "detail": detail})
            log(f"  fault: {detail}")

    def kill_instance(self) -> str:
        victim = self.bench.servers[-1]  # the third instance
        pids = [victim.pid, *children_of(victim.pid)]
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        victim.wait()
        self.bench.servers.remove(victim)
        return f"SIGKILL app instance 3 on port {self.ports[-1]} (master and {len(pids) - 1} workers)"

    def restart_instance(self) -> str:
        began = time.time()
        self.bench.start_server(self.database_url, "app-3", self.ports[-1])
        return f"app instance 3 started again on port {self.ports[-1]} (answering after {time.time() - began:.1f} s)"

    def restart_redis(self) -> str:
        self.redis.restart(down_seconds=1.0)
        return "redis-server stopped, down 1 s, started again empty (sessions, limits and cache gone)"

    def terminate_connections(self) -> str:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as connection:
            killed = connection.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [urlsplit(self.database_url).path.lstrip("/")],
            ).fetchone()[0]
        return f"pg_terminate_backend on all {killed} connections of the database"


# --- the figures -----------------------------------------------------------------------------------


def balancer_log(path: Path) -> list[tuple[float, int, str, list[str]]]:
    """(end time, status to the client, path, statuses of every instance tried) per request."""
    entries = []
    line_format = re.compile(r'^(\S+) (\d{3}) \S+ (\S+) "[^"]*" "([^"]*)"')
    for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
        match = line_format.match(line)
        if match:
            tried = [s.strip() for s in re.split(r"[,:]", match[4]) if s.strip()]
            entries.append((float(match[1]), int(match[2]), match[3], tried))
    return entries


def phase_figures(rows, start, end, *, students, cpu, balancer, bare_cpu_per_request) -> dict:
    """One phase: the requests that started in it, the CPU used in it."""
    inside = [row for row in rows if start <= row[4] < end]
    times = [row[3] for row in inside]
    seconds = end - start
    failed = Counter(
        f"{name} {status or 'no response'}" for _, name, status, _, _ in inside if not report.is_ok(name, status)
    )
    retried = sum(1 for _, name, status, _, _ in inside if not report.is_ok(name, status) and status in RETRY_STATUSES)
    rerouted = [e for e in balancer if start <= e[0] < end and len(e[3]) > 1]
    total_cpu = sum(cpu.values())
    per_request = total_cpu / len(inside) if inside else float("nan")
    return {
        "seconds": seconds,
        "requests": len(inside),
        "per_second": len(inside) / seconds if seconds else 0.0,
        "p50": report.percentile(times, 0.50),
        "p95": report.percentile(times, 0.95),
        "p99": report.percentile(times, 0.99),
        "failed": dict(failed),
        "retried_by_students": retried,
        "rerouted_by_balancer": len(rerouted),
        "rerouted_statuses": dict(Counter(", ".join(e[3]) for e in rerouted)),
        "cpu": cpu,
        "cpu_per_student_ms": 1000 * total_cpu / students,
        "cpu_per_request_ms": 1000 * per_request,
        "ratio_to_bare": per_request / bare_cpu_per_request if bare_cpu_per_request else float("nan"),
        "endpoints": report.endpoints(inside, seconds) if inside else [],
    }


def bare_figures(capacity: report.Samples, sampler: Sampler, settle: float = 1.0) -> dict:
    """CPU per request of the bare view and of the autosave, each over its phases (from their second second)."""
    result = {}
    for kind in ("bare", "autosave"):
        cpu, requests, seconds = Counter(), 0, 0.0
        for name, start, end in capacity.phases:
            if name != kind:
                continue
            cpu.update(sampler.between(start + settle, end))
            requests += sum(1 for _, n, _, _, began in capacity.rows if n == kind and start + settle <= began < end)
            seconds += end - start - settle
        total = sum(cpu.values())
        result[kind] = {
            "requests": requests,
            "per_second": requests / seconds if seconds else 0.0,
            "cpu": dict(cpu),
            "cpu_per_request_ms": 1000 * total / requests if requests else float("nan"),
        }
    return result


# The capacity model's assumptions: each stated in bench/README.md ("Capacity model").
MODEL_STUDENTS = (10_000, 100_000)
MODEL_START_SECONDS = 60
MODEL_DEADLINE_SECONDS = 30
MODEL_SIGN_IN_SECONDS = 30 * 60  # the lobby open half an hour before the start
MODEL_UTILISATION = 0.6  # above it, a sync worker's queue (and so the latency) grows without bound
MODEL_CORES_PER_INSTANCE = 4  # and 2 sync workers per core
PARTS = ("app", "database", "nginx", "redis")
MODEL_PHASES = {  # the model's phases: their window, and which measured phase they come from
    "sign-in (lobby)": MODEL_SIGN_IN_SECONDS,
    "start (Start + paper)": MODEL_START_SECONDS,
    "deadline (submit + result)": MODEL_DEADLINE_SECONDS,
}


def capacity_model(figures: list[dict], students: int) -> dict:
    """Cores for a storm of N students from this run's CPU per student, by part of the cluster.

    The start storm's CPU is taken without the autosaves the compressed exam makes within it (at
    the steady phase's CPU per autosave): in a real start minute a student reads the instructions.
    """
    lobby, start, steady, deadline = figures
    per_save = {part: steady["cpu"][part] / steady["requests"] for part in PARTS}
    saves_in_start = sum(e["requests"] for e in start["endpoints"] if e["name"] == "autosave")
    measured = {
        "sign-in (lobby)": lobby["cpu"],
        "start (Start + paper)": {
            part: max(0.0, start["cpu"][part] - saves_in_start * per_save[part]) for part in PARTS
        },
        "deadline (submit + result)": deadline["cpu"],
    }
    per_student = {phase: {part: cpu[part] / students for part in PARTS} for phase, cpu in measured.items()}
    model = {
        "per_student_ms": {phase: {p: 1000 * v for p, v in cpu.items()} for phase, cpu in per_student.items()},
        "per_save_ms": {p: 1000 * v for p, v in per_save.items()},
    }
    for n in MODEL_STUDENTS:
        model[n] = {}
        for phase, cpu in per_student.items():
            cores = {part: n * cpu[part] / MODEL_PHASES[phase] / MODEL_UTILISATION for part in PARTS}
            model[n][phase] = cores | {"instances": -(-cores["app"] // MODEL_CORES_PER_INSTANCE)}
    return model


def model_lines(model: dict) -> list[str]:
    per_save = " / ".join(f"{v:.1f}" for v in model["per_save_ms"].values())
    heads = " | ".join(f"{n:,}: cores app / db / nginx+redis, instances" for n in MODEL_STUDENTS)
    lines = [
        f"Capacity model (bench/README.md): CPU per student measured here, ms (app / database / nginx / redis); "
        f"per autosave {per_save}.",
        "",
        f"| phase | window s | ms per student | {heads} |",
        "| --- | ---: | --- | " + " | ".join("---" for _ in MODEL_STUDENTS) + " |",
    ]
    for phase, ms in model["per_student_ms"].items():
        cells = []
        for n in MODEL_STUDENTS:
            c = model[n][phase]
            cells.append(f"{c['app']:.1f} / {c['database']:.1f} / {c['nginx'] + c['redis']:.1f}, {c['instances']:.0f}")
        per = " / ".join(f"{v:.0f}" for v in ms.values())
        lines.append(f"| {phase} | {MODEL_PHASES[phase]} | {per} | {' | '.join(cells)} |")
    return lines


def fmt_cpu(cpu: dict) -> str:
    return ", ".join(f"{part} {seconds:.1f}" for part, seconds in cpu.items())


def summarize(bench, args, phases, figures, bare, closing, faults, verified, logs, started, load_before) -> str:
    lines = [
        f"# Storm run {bench.dir.name}",
        "",
        f"Command: `python -m bench.storm {' '.join(sys.argv[1:])}`".replace("  ", " "),
        f"{args.students} students; {args.instances} gunicorn instances x {args.workers} sync workers behind nginx "
        f"(deploy/nginx.conf, TLS), Redis, PostgreSQL `{urlsplit(args.postgres_url).path.lstrip('/')}`, "
        f"all on this machine ({os.cpu_count()} cores, shared with other work). "
        f"Load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f}. "
        f"Wall time {time.time() - started:.0f} s.",
        "",
        "| phase | seconds | requests | req/s | p50 / p95 / p99 ms | CPU s (app, database, nginx, redis) "
        "| CPU per student ms | CPU per request ms | x bare view | failed, seen by students | retried by students "
        "| rerouted by nginx |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for (name, _, _), f in zip(phases, figures, strict=True):
        failed = ", ".join(f"{k}: {v}" for k, v in sorted(f["failed"].items())) or "none"
        lines.append(
            f"| {name} | {f['seconds']:.0f} | {f['requests']} | {f['per_second']:.1f} "
            f"| {f['p50']:.0f} / {f['p95']:.0f} / {f['p99']:.0f} | {fmt_cpu(f['cpu'])} | {f['cpu_per_student_ms']:.0f} "
            f"| {f['cpu_per_request_ms']:.1f} | {f['ratio_to_bare']:.1f} | {failed} | {f['retried_by_students']} "
            f"| {f['rerouted_by_balancer']} |"
        )
    b, a = bare["bare"], bare["autosave"]
    throughput = a["per_second"] / b["per_second"] if b["per_second"] else float("nan")
    lines += [
        "",
        f"Bare one-write view, same cluster and balancer, {args.capacity_users} users back to back: "
        f"{b['per_second']:.0f} req/s, **{b['cpu_per_request_ms']:.2f} ms of CPU per request** "
        f"({fmt_cpu(b['cpu'])} s). "
        f"Autosave in the same way: {a['per_second']:.0f} req/s, {a['cpu_per_request_ms']:.2f} ms per request "
        f"(throughput ratio autosave / bare {throughput:.2f}).",
        f"close_expired_attempts (cron's run after the end): closed {closing['closed']} papers "
        f"in {closing['wall']:.2f} s, "
        f"CPU {closing['command_cpu']:.2f} s in the command, database {closing['database_cpu']:.2f} s.",
        "",
        *model_lines(capacity_model(figures, args.students)),
        "",
        f"Load generator (locust, on the same cores): {bench.cpu['storm']['locust']:.0f} s of CPU during the storm.",
        "",
        "Faults:",
        *[f"- {datetime.fromtimestamp(e['at']):%H:%M:%S} {e['detail']}" for e in faults],
        "",
        "Per phase and endpoint:",
        "",
    ]
    for (name, _, _), f in zip(phases, figures, strict=True):
        if f["endpoints"]:
            lines += [f"**{name}**", "", report.table(f["endpoints"]), ""]
        if f["rerouted_statuses"]:
            lines += [f"Rerouted by nginx in {name} (statuses of the instances tried): {f['rerouted_statuses']}", ""]
    lines.append("Verification (bench/verify.py):")
    for quiz, v in verified.items():
        problems = v["problems"]
        answers_ok = not any(p.startswith(("lost", "wrong")) for p in problems)
        scores_ok = not any(p.startswith("score") for p in problems)
        lines.append(
            f"- `{quiz}`: {v['acknowledged_saves']} acknowledged saves, {v['answers_checked']} (attempt, question) "
            f"pairs: {'every one stored as acknowledged' if answers_ok else 'PROBLEMS'}; {v['scores_checked']} "
            f"scores recomputed of {v['attempts']} attempts ({v['attempts_open']} still open): "
            f"{'all equal' if scores_ok else 'PROBLEMS'}."
        )
        lines += [f"  - {problem}" for problem in problems[:20]]
    lines += [
        f"Server logs: {logs}",
    ]
    return "\n".join(lines)


# --- the run ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=150)
    parser.add_argument("--instances", type=int, default=3, help="gunicorn instances behind nginx")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per instance")
    parser.add_argument("--arrival-rate", type=float, default=5, help="students arriving in the lobby per second")
    parser.add_argument(
        "--lobby-seconds", type=float, default=0, help="from the first arrival to the start (0: 30 + 0.6 per student)"
    )
    parser.add_argument("--start-window", type=float, default=60, help="seconds within which every student starts")
    parser.add_argument("--exam-seconds", type=float, default=180, help="from the start window's end to the close")
    parser.add_argument(
        "--deadline-seconds", type=float, default=30, help="its least length (it lasts to the last result)"
    )
    parser.add_argument("--submit-share", type=float, default=0.85, help="papers the page submits at zero")
    parser.add_argument("--postgres-url", default=os.environ.get("STORM_DATABASE_URL", DEFAULT_POSTGRES))
    parser.add_argument("--capacity-users", type=int, default=16)
    parser.add_argument("--phase-seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="capacity: autosave and bare phases, alternating")
    parser.add_argument("--no-faults", dest="faults", action="store_false")
    args = parser.parse_args()
    if args.instances < 2 and args.faults:
        raise SystemExit("The faults kill one instance: run at least two (--instances), or --no-faults.")
    lobby = args.lobby_seconds or 30 + 0.6 * args.students
    args.spawn_rate = args.arrival_rate  # bench.run's names, for Bench.locust
    args.time_limit = int(lobby + args.start_window + args.exam_seconds + 120)
    load_before = os.getloadavg()[0]

    def interrupted(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    started = time.time()
    bench = Bench(args)
    url = args.postgres_url
    database = urlsplit(url).path.lstrip("/")
    redis = Redis()
    nginx = None
    sampler = None
    try:
        redis.start()
        bench.env |= {"REDIS_URL": redis.url}
        bench.collectstatic()
        log(f"PostgreSQL {database}: create if missing, empty, migrate, prepare")
        bench.reset(url)
        groups = [f"--group=storm-={args.students}", f"--group=cap-={args.capacity_users}"]
        bench.django(url, "-m", "bench.prepare", *groups, f"--quiz={QUIZ}", f"--quiz={CAPACITY_QUIZ}",
                     stdout=subprocess.DEVNULL)  # fmt: skip
        ports = [free_port() for _ in range(args.instances)]
        for number, port in enumerate(ports, start=1):
            bench.start_server(url, f"app-{number}", port)
        host, nginx = start_nginx(bench.dir, [f"127.0.0.1:{port}" for port in ports], access_log=True)
        log(f"cluster: nginx {host} -> {args.instances} instances {ports}, redis {redis.url}")
        sampler = Sampler(bench, nginx, redis, database)
        sampler.start()

        arrive = time.time() + 2
        start_at = arrive + lobby
        steady_start = start_at + args.start_window
        closes_at = steady_start + args.exam_seconds
        schedule_live_mock(bench, url, start_at=start_at, closes_at=closes_at)
        phases = [
            ("lobby: sign in, open the quiz", arrive - 2, start_at),
            ("start storm: Start, load the paper", start_at, steady_start),
            ("steady: autosaves at exam pace", steady_start, closes_at),
            ("deadline storm: submit at zero, result (to the last one)", closes_at, closes_at + args.deadline_seconds),
        ]
        faults = Faults(bench, redis, url, ports)
        log(
            f"{args.students} students: lobby {lobby:.0f} s, start window {args.start_window:.0f} s, "
            f"exam {args.exam_seconds:.0f} s, close at {datetime.fromtimestamp(closes_at):%H:%M:%S}"
        )
        storm = bench.locust(
            "storm",
            [host],
            users=args.students,
            extra=[
                *("--scenario", "storm", "--prefix", "storm-", "--quiz", QUIZ),
                *("--start-at", f"{start_at:.3f}", "--start-window", str(args.start_window)),
                *("--closes-at", f"{closes_at:.3f}", "--submit-share", str(args.submit_share)),
            ],
            faults=(lambda answers, label: faults.run(steady_start, closes_at)) if args.faults else None,
        )

        # cron's next run after the close and the grace: the papers nobody submitted.
        time.sleep(max(0.0, closes_at + GRACE_SECONDS + 1 - time.time()))
        log("close_expired_attempts")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.time()
        output = bench.django(url, "manage.py", "close_expired_attempts", capture_output=True, text=True).stdout
        ended = time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        time.sleep(1.5)  # the sampler's next reading covers the database's share
        closing = {
            "closed": int(re.search(r"Closed (\d+)", output)[1]),
            "wall": ended - began,
            "command_cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "database_cpu": sampler.between(began - 1, ended + 1.5)["database"],
        }

        log(f"bare view and autosave through the balancer, {args.capacity_users} users")
        capacity_phases = ",".join([f"autosave:{args.phase_seconds},bare:{args.phase_seconds}"] * args.rounds)
        capacity = bench.locust(
            "capacity",
            [host],
            users=args.capacity_users,
            extra=["--scenario", "capacity", "--prefix", "cap-", "--quiz", CAPACITY_QUIZ, "--phases", capacity_phases],
        )
    finally:
        if sampler:
            sampler.stopping.set()
            sampler.join()
        bench.stop_servers()
        if nginx:
            nginx.terminate()
            nginx.wait()
        redis.stop()

    log("verify")
    verified = {}
    for quiz, answers in ((QUIZ, f"{storm}.answers"), (CAPACITY_QUIZ, f"{capacity}.answers")):
        out = bench.django(url, "-m", "bench.verify", "--json", "--quiz", quiz, answers, capture_output=True, text=True)
        verified[quiz] = json.loads(out.stdout)
    logs = scan_logs(sorted(bench.dir.glob("app-*.gunicorn.log")))

    bare = bare_figures(report.load(f"{capacity}.samples"), sampler)
    rows = report.load(f"{storm}.samples").rows
    # The deadline storm lasts until the last student has seen their result, however long that took.
    last_answer = max(began + ms / 1000 for _, _, _, ms, began in rows)
    name, start, end = phases[-1]
    phases[-1] = (name, start, max(end, last_answer + 0.01))
    balancer = balancer_log(bench.dir / "nginx.access.log")
    figures = [
        phase_figures(
            rows,
            start,
            end,
            students=args.students,
            cpu=sampler.between(start, end),
            balancer=balancer,
            bare_cpu_per_request=bare["bare"]["cpu_per_request_ms"] / 1000,
        )
        for _, start, end in phases
    ]
    summary = summarize(
        bench, args, phases, figures, bare, closing, faults.events, verified, logs, started, load_before
    )
    (bench.dir / "summary.md").write_text(summary + "\n")
    (bench.dir / "summary.json").write_text(
        json.dumps(
            {
                "phases": [{"name": n, "start": s, "end": e} | f for (n, s, e), f in zip(phases, figures, strict=True)],
                "bare": bare,
                "closing": closing,
                "model": capacity_model(figures, args.students),
                "faults": faults.events,
                "verify": verified,
                "logs": logs,
                "cpu_seconds": sampler.rows,
                "load_generator": bench.cpu,
            },
            indent=1,
            default=str,
        )
    )
    print(summary)
    raise SystemExit(0 if all(v["ok"] for v in verified.values()) else 1)


if __name__ == "__main__":
    main()
