"""A login flood beside students who are sitting a paper: `python -m bench.flood`.

    .venv/bin/python -m bench.flood [--proxy nginx] [--cache redis] [--attacker-nice 19] [--help]

One gunicorn server in production settings (2 sync workers) on a fresh SQLite database, as
bench/run.py starts it. Students sign in, start the 50-question quiz and autosave an answer every
`--pause` seconds or so (paper.js's request). Meanwhile the phases alternate: *quiet*, then *flood*,
in which `--attackers` threads in another process post the login form with random usernames and
passwords as fast as the server answers them, all from one address. The result is the autosave's
p95 during the floods over its p95 during the quiet phases of the same run (`ratio`), with each
round's own ratio beside it. A sample counts in its phase only once the previous phase's requests
have drained (the attack's last answer), so a quiet phase never measures the flood's tail.

Every client sits behind a pretend proxy: the server trusts 127.0.0.1 as one (TRUSTED_PROXIES)
and each client names its own address in X-Forwarded-For, so the flood comes from one address
(203.0.113.66) and each student from another. During each flood a bystander signs in as a real
student from yet another address every two seconds: the sign-in limit is per address, and its
figures say whether it held for others. `--cache redis` starts a private redis-server on a free
loopback port and sets REDIS_URL, as several instances would share one; without it each worker
counts in its own memory (the default). `--proxy nginx` puts the shipped load balancer (deploy/nginx.conf, with its
limit on sign-in posts, over TLS) in front; `--attacker-nice 19` runs the attack and nginx at the lowest priority, as
if they stood on machines of their own. bench/README.md ("Login flood") has the figures. Raw files
go to bench/.run/<time>/.
"""

# ruff: noqa: S311 -- random usernames and pauses for a simulation, not secrets.

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import resource
import string
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.cluster import UNVERIFIED, Redis, start_nginx
from bench.report import percentile
from bench.run import Bench, log

RADIO = re.compile(r'name="q-(\d+)" id="c-\d+" value="(\d+)"')
ATTACKER_ADDRESS = "203.0.113.66"
PASSWORD = "bench-practise-2026"


class Browser:
    """One browser behind the TLS proxy: its own cookies (they are Secure), CSRF token and address."""

    def __init__(self, host: str, address: str):
        self.netloc = urlsplit(host).netloc
        self.https = host.startswith("https:")  # through nginx, which terminates TLS as in production
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, *, ajax: bool = False, referer: str = ""):
        """(status, body, milliseconds); status 0 when the server gave no answer."""
        headers = {
            "Host": self.netloc,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Referer": f"https://{self.netloc}{referer or path}",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if ajax:
            headers |= {"X-CSRFToken": self.cookies.get("csrftoken", ""), "Accept": "application/json"}
        started = time.perf_counter()
        connection = (
            http.client.HTTPSConnection(self.netloc, timeout=60, context=UNVERIFIED)
            if self.https
            else http.client.HTTPConnection(self.netloc, timeout=60)
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
            status = response.status
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            location = response.getheader("Location", "")
        except OSError:
            status, text, location = 0, "", ""
        finally:
            connection.close()
        return status, text, (time.perf_counter() - started) * 1000, location

    def sign_in(self, username: str, password: str):
        self.request("GET", "/accounts/login/")
        form = {"username": username, "password": password, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        return self.request("POST", "/accounts/login/", form)


# --- the students (one process, one thread each) ---------------------------------------------------


def student(host: str, number: int, schedule: dict, out: list, pause: float) -> None:
    rng = random.Random(number)
    browser = Browser(host, f"198.51.100.{number}")
    status, *_ = browser.sign_in(f"flood-{number:04d}", PASSWORD)
    if status != 302:
        raise SystemExit(f"student {number} could not sign in: {status}")
    quiz = "/quizzes/bench-50/"
    browser.request("GET", quiz)
    status, _, _, paper = browser.request(
        "POST", f"{quiz}start/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"]}, referer=quiz
    )
    paper = urlsplit(paper).path
    html = browser.request("GET", paper)[1]
    options: dict[str, list[str]] = {}
    for question, choice in RADIO.findall(html):
        options.setdefault(question, []).append(choice)
    while time.time() < schedule["start"]:
        time.sleep(0.05)
    while time.time() < schedule["end"]:
        question = rng.choice(list(options))
        began = time.time()
        status, _, ms, _ = browser.request(
            "POST",
            f"{paper}answer/",
            {"question": question, "choice": rng.choice(options[question]), "was": "?"},
            ajax=True,
            referer=paper,
        )
        out.append(("autosave", began, status, ms))
        time.sleep(rng.uniform(0.5, 1.5) * pause)


def bystander(host: str, schedule: dict, out: list, first: int) -> None:
    """A real student signing in from a fresh address every two seconds during the floods."""
    number = first
    while time.time() < schedule["end"]:
        now = time.time()
        if any(kind == "flood" and start <= now < end for kind, start, end in schedule["phases"]):
            browser = Browser(host, f"192.0.2.{number % 250 + 1}")
            status, _, ms, _ = browser.sign_in(f"flood-{number:04d}", PASSWORD)
            out.append(("bystander sign-in", now, status, ms))
            number += 1
            time.sleep(2)
        else:
            time.sleep(0.1)


def students_process(host: str, count: int, schedule: dict, pause: float, path: str, cores: set | None) -> None:
    if cores:
        os.sched_setaffinity(0, cores)
    out: list = []
    threads = [threading.Thread(target=student, args=(host, n, schedule, out, pause)) for n in range(1, count + 1)]
    threads.append(threading.Thread(target=bystander, args=(host, schedule, out, count + 1)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(path).write_text(json.dumps(out))


# --- the attackers (another process, so their threads never hold the students' interpreter) -------


def attacker(host: str, schedule: dict, out: list, seed: int) -> None:
    rng = random.Random(seed)
    browser = Browser(host, ATTACKER_ADDRESS)
    browser.request("GET", "/accounts/login/")
    token = browser.cookies.get("csrftoken", "")
    letters = string.ascii_lowercase + string.digits
    while time.time() < schedule["end"]:
        now = time.time()
        if not any(kind == "flood" and start <= now < end for kind, start, end in schedule["phases"]):
            time.sleep(0.02)
            continue
        form = {
            "username": "".join(rng.choices(letters, k=10)),
            "password": "".join(rng.choices(letters, k=14)),
            "csrfmiddlewaretoken": token,
        }
        status, _, ms, _ = browser.request("POST", "/accounts/login/", form)
        out.append(("flood login", now, status, ms))


def attackers_process(host: str, count: int, schedule: dict, path: str, niceness: int, cores: set | None) -> None:
    os.nice(niceness)
    if cores:
        os.sched_setaffinity(0, cores)
    out: list = []
    threads = [threading.Thread(target=attacker, args=(host, schedule, out, n)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    Path(path).write_text(json.dumps(out))
    used = resource.getrusage(resource.RUSAGE_SELF)
    Path(f"{path}.cpu").write_text(str(used.ru_utime + used.ru_stime))


# --- the figures -------------------------------------------------------------------------------------


def windows(schedule: dict, flood: list) -> list[tuple[str, float, float]]:
    """Each phase's counted window: from its start (or the previous flood's last answer) plus a second."""
    counted = []
    for kind, start, end in schedule["phases"]:
        drained = max((began + ms / 1000 for _, began, _, ms in flood if began < start), default=start)
        counted.append((kind, max(start, drained) + 1.0, end))
    return counted


def figures(samples: list, phases: list) -> dict:
    by_phase: dict[str, list[float]] = {}
    per_round: list[tuple[str, float]] = []
    statuses: dict[str, Counter] = {}
    for kind, start, end in phases:
        times = [ms for name, began, status, ms in samples if name == "autosave" and start <= began < end]
        by_phase.setdefault(kind, []).extend(times)
        per_round.append((kind, percentile(times, 0.95)))
        statuses.setdefault(kind, Counter()).update(
            status for name, began, status, _ in samples if name == "autosave" and start <= began < end
        )
    result = {
        kind: {
            "autosaves": len(times),
            "p50": percentile(times, 0.5),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "statuses": dict(statuses[kind]),
        }
        for kind, times in by_phase.items()
    }
    result["ratio"] = result["flood"]["p95"] / result["quiet"]["p95"]
    quiet = [p95 for kind, p95 in per_round if kind == "quiet"]
    flood = [p95 for kind, p95 in per_round if kind == "flood"]
    # Each flood against the quiet phase before it: how much the machine moved within the run.
    result["round_ratios"] = [f / q for q, f in zip(quiet, flood, strict=False)]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--attackers", type=int, default=32, help="threads posting the login form back to back")
    parser.add_argument("--pause", type=float, default=0.6, help="mean seconds between a student's saves")
    parser.add_argument("--phase-seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="quiet and flood phases, alternating")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--cache", choices=["memory", "redis"], default="memory")
    parser.add_argument(
        "--proxy",
        choices=["none", "nginx"],
        default="none",
        help="nginx: deploy/nginx.conf in front, with its limit on sign-in posts per address",
    )
    parser.add_argument(
        "--attacker-nice",
        type=int,
        default=0,
        help="niceness of the attack process and of nginx: 19 leaves the app server the CPU that the attacker's "
        "machine and a proxy machine in front (README's topology) would spend elsewhere",
    )
    parser.add_argument(
        "--split-cores",
        action="store_true",
        help="core 1 for the attack and nginx, core 0 for everything else (gunicorn, its workers, redis, the students' "
        "client): the attack's machine and the proxy's are not the app server's, and nginx keeps its normal priority "
        "there; the quiet phases are measured the same way",
    )
    args = parser.parse_args()
    server_cores, attack_cores = ({0}, {1}) if args.split_cores else (None, None)
    load_before = os.getloadavg()[0]
    bench = Bench(args)
    redis = None
    if args.cache == "redis":
        redis = Redis(cores=server_cores)
        redis.start()
        bench.env |= {"REDIS_URL": redis.url}
    bench.collectstatic()
    url = f"sqlite:///{bench.dir / 'bench.sqlite3'}"
    log("prepare")
    # The students, and as many more for the bystander's sign-ins.
    bench.django(url, "-m", "bench.prepare", f"--group=flood-={args.students + 200}", stdout=subprocess.DEVNULL)
    host, server = bench.start_server(url, "flood")
    if server_cores:
        for pid in [server.pid, *bench.workers_of(server)]:
            os.sched_setaffinity(pid, server_cores)
    proxy = None
    try:
        if args.proxy == "nginx":
            host, proxy = start_nginx(
                bench.dir,
                [urlsplit(host).netloc],
                niceness=0 if args.split_cores else args.attacker_nice,
                cores=attack_cores,
            )
        warm_up = 5.0
        start = time.time() + 10 + args.students * 0.5  # time for every student to sign in and start
        phases, at = [], start + warm_up
        for _ in range(args.rounds):
            for kind in ("quiet", "flood"):
                phases.append((kind, at, at + args.phase_seconds))
                at += args.phase_seconds
        phases.append(("quiet", at, at + args.phase_seconds))  # the last flood is followed by a quiet phase too
        schedule = {"start": start, "end": at + args.phase_seconds, "phases": phases}
        log(f"{args.students} students, {args.attackers} attackers, {args.rounds} rounds of {args.phase_seconds:.0f} s")
        cpu_before = bench.server_cpu()
        paths = {name: str(bench.dir / f"{name}.json") for name in ("students", "flood")}
        processes = [
            multiprocessing.Process(
                target=students_process,
                args=(host, args.students, schedule, args.pause, paths["students"], server_cores),
            ),
            multiprocessing.Process(
                target=attackers_process,
                args=(host, args.attackers, schedule, paths["flood"], args.attacker_nice, attack_cores),
            ),
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
        server_cpu = bench.server_cpu() - cpu_before
    finally:
        bench.stop_servers()
        if proxy:
            proxy.terminate()
            proxy.wait()
        if redis:
            redis.stop()
    samples = json.loads(Path(paths["students"]).read_text())
    flood = json.loads(Path(paths["flood"]).read_text())
    result = figures(samples, windows(schedule, flood))
    flood_seconds = args.rounds * args.phase_seconds
    attack = Counter(status for _, _, status, _ in flood)
    bystanders = [s for s in samples if s[0] == "bystander sign-in"]
    lines = [
        f"# Login flood run {bench.dir.name}",
        "",
        "Command: `python -m bench.flood "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items())
        + "`",
        f"Load average before {load_before:.2f}, after {os.getloadavg()[0]:.2f} (2 cores, shared). "
        f"Server CPU over the phases: {server_cpu:.0f} s of {2 * (schedule['end'] - start):.0f} core-seconds.",
        "",
        "| phase | autosaves | p50 ms | p95 ms | p99 ms | statuses |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for kind in ("quiet", "flood"):
        f = result[kind]
        lines.append(
            f"| {kind} | {f['autosaves']} | {f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} | {f['statuses']} |"
        )
    rounds = ", ".join(f"{r:.2f}" for r in result["round_ratios"])
    lines += [
        "",
        f"**Autosave p95, flood / quiet: {result['ratio']:.2f}** (each round: {rounds}).",
        f"The flood: {len(flood)} login posts in {flood_seconds:.0f} s ({len(flood) / flood_seconds:.0f}/s), "
        f"statuses {dict(sorted(attack.items()))} (200: the form again, a password checked; 429: refused unchecked); "
        f"the attack process used {float(Path(paths['flood'] + '.cpu').read_text()):.0f} s of CPU.",
        f"Bystanders signing in from other addresses during the floods: "
        f"{Counter(s[2] for s in bystanders)} (302 = signed in), "
        f"p50 {percentile([s[3] for s in bystanders], 0.5):.0f} ms.",
    ]
    summary = "\n".join(lines)
    (bench.dir / "summary.md").write_text(summary + "\n")
    print(summary)


if __name__ == "__main__":
    main()
