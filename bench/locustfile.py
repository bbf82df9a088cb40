"""Simulated students for the load benchmark; bench/run.py drives it (see bench/README.md).

Scenario `students`: each user signs in as the next student (`--prefix` + 0001, 0002, ...), starts
the quiz, reads the paper's question and choice ids from its radio inputs, autosaves every answer
with compressed thinking pauses (changing a few, marking a few, clearing a few, leaving a few
blank), submits the paper's form and opens the result. The run ends when every student is done.

Scenario `capacity`: each user signs in and starts a paper, then, once all are ready, every user
posts as fast as the server answers: autosaves during `autosave` phases, the bare one-write view
during `bare` phases. Then each submits, so its score is verified too.

Every request goes to the next of `--hosts` in turn, so with two app servers each student's
requests alternate between them, with one set of cookies (a browser keys cookies by host name,
not port). Requests carry `X-Forwarded-Proto: https`, the student's own address in
X-Forwarded-For and a same-origin Referer, as behind production's TLS proxy, so the servers run
the production settings unrelaxed; the cookies are kept here because they are `Secure` and the
client's own jar would not send them over http.

Failed requests are retried the way paper.js and a student do: with backoff, until the server
answers. Every acknowledged autosave (a 200 with `saved`) is appended to `<out>.answers`; every
request to `<out>.samples` (phase, name, status, milliseconds, start time) for bench/report.py.
"""

import itertools
import random
import re
import time
from collections import Counter
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, constant, events, task

RADIO = re.compile(r'name="q-(\d+)" id="c-\d+" value="(\d+)"')
RETRY_STATUSES = {0, 403, 429} | set(range(500, 600))
MAX_TRIES = 40  # about six minutes of backoff: longer than any fault the driver injects


class Run:
    """What the users of one locust process share."""

    scenario = "students"
    numbers = itertools.count(1)
    done = 0
    ready = 0
    phases: list[tuple[str, float, float]] = []  # (name, start, end) in time.time()
    samples: list[tuple] = []
    answers = None
    retries: Counter = Counter()  # by request name: failures a student saw, then retried
    gave_up: Counter = Counter()  # by request name: still failing after MAX_TRIES


@events.init_command_line_parser.add_listener
def _options(parser):
    parser.add_argument("--scenario", choices=["students", "capacity", "storm"], default="students")
    # The storm (bench/storm.py): the start window opens at --start-at; every paper ends at --closes-at.
    parser.add_argument("--start-at", type=float, default=0.0, help="storm: epoch seconds the start window opens")
    parser.add_argument("--start-window", type=float, default=60.0, help="storm: seconds over which all start")
    parser.add_argument("--closes-at", type=float, default=0.0, help="storm: epoch seconds of the common end")
    parser.add_argument("--submit-share", type=float, default=0.85, help="storm: papers submitted by the page at zero")
    parser.add_argument("--hosts", default="", help="comma-separated base URLs, used in turn")
    parser.add_argument("--prefix", default="load-", help="students are <prefix>0001 ...")
    parser.add_argument("--password", default="bench-practise-2026")
    parser.add_argument("--quiz", default="bench-50")
    parser.add_argument("--pause", type=float, default=0.8, help="mean seconds a student thinks per answer")
    parser.add_argument("--phases", default="autosave:8,bare:8,autosave:8,bare:8", help="capacity: name:seconds,...")
    parser.add_argument("--out", default="bench/.run/locust", help="prefix of the .answers and .samples files")


@events.test_start.add_listener
def _open(environment, **kwargs):
    Run.scenario = environment.parsed_options.scenario
    Run.answers = open(f"{environment.parsed_options.out}.answers", "w")  # noqa: SIM115 (closed at quit)


@events.request.add_listener
def _sample(request_type, name, response_time, response, start_time=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    Run.samples.append((phase_now(), name, status, round(response_time, 2), round(start_time or 0, 3)))


@events.quitting.add_listener
def _write(environment, **kwargs):
    if Run.answers:
        Run.answers.close()
    with open(f"{environment.parsed_options.out}.samples", "w") as out:
        for phase, name, status, ms, start in Run.samples:
            out.write(f"{phase},{name},{status},{ms},{start}\n")
        for name, start, end in Run.phases:
            out.write(f"#phase,{name},{start:.3f},{end:.3f}\n")
        for name, count in Run.retries.items():
            out.write(f"#retried,{name},{count}\n")
        for name, count in Run.gave_up.items():
            out.write(f"#gave_up,{name},{count}\n")
        out.write(f"#finished,{Run.done}\n")


def phase_now() -> str:
    if Run.scenario != "capacity":
        return "students"
    now = time.time()
    for name, start, end in Run.phases:
        if start <= now < end:
            return name
    return "closing" if Run.phases and now >= Run.phases[-1][2] else "setup"


def wait_for_common_start(student: "Student") -> None:
    """LOBBY PLUG-IN (issue 16, item 1: scheduled live mocks with a lobby and a common start).

    Today the storm's quiz is an ordinary timed quiz with a `closes_at`: each student, already
    signed in on the quiz page, presses Start at a moment of their own within the start window.
    With the lobby, this waits on the lobby page until Start opens for everyone at --start-at and
    presses it after the student's own reaction time (the same spread); the rest is unchanged.
    """
    options = student.options
    pressed = options.start_at + student.rng.uniform(0.0, options.start_window)
    gevent.sleep(max(0.0, pressed - time.time()))


class Student(FastHttpUser):
    wait_time = constant(0)
    host = "http://127.0.0.1:8000"  # replaced by --hosts

    def on_start(self):
        options = self.environment.parsed_options
        self.options = options
        self.hosts = [h.rstrip("/") for h in (options.hosts or self.host).split(",")]
        self.turn = itertools.cycle(self.hosts)
        self.number = next(Run.numbers)
        self.rng = random.Random(self.number)  # noqa: S311 (simulated behaviour, not security)
        self.username = f"{options.prefix}{self.number:04d}"
        # Each student's own address (the benchmarking range), as the pretend proxy names it.
        self.address = f"198.18.{self.number // 256}.{self.number % 256}"
        self.cookies: dict[str, str] = {}
        self.client.client.cookiejar = None

    # --- HTTP, the way a browser behind the TLS proxy sends it ------------------------------------

    def csrf_token(self) -> str:
        return self.cookies.get("csrftoken", "")

    def keep_cookies(self, response) -> None:
        for header in response.headers.getlist("set-cookie") if response.headers else ():
            pair, _, attributes = header.partition(";")
            name, _, value = pair.strip().partition("=")
            if "max-age=0" in attributes.lower().replace(" ", ""):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def request(self, method: str, path: str, name: str, *, data=None, ajax=False, referer=None):
        """One request to the next host, with the cookies, CSRF token and proxy headers a browser would send."""
        host = next(self.turn)
        headers = {
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": self.address,
            "Referer": f"https://{urlsplit(host).netloc}{referer or path}",
        }
        if ajax:
            headers |= {"X-CSRFToken": self.csrf_token(), "Accept": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        response = self.client.request(
            method, f"{host}{path}", name=name, data=data, headers=headers, allow_redirects=False
        )
        self.keep_cookies(response)
        return response

    def send(self, method: str, path: str, name: str, *, expect=(200,), **kwargs):
        """A request a student repeats (reload, click again) with backoff while it fails as a fault would."""
        delay = 1.0
        for _ in range(MAX_TRIES):
            response = self.request(method, path, name, **kwargs)
            if response.status_code in expect or response.status_code not in RETRY_STATUSES:
                return response
            Run.retries[name] += 1
            gevent.sleep(delay)
            delay = min(delay * 2, 10.0)
        Run.gave_up[name] += 1
        return response

    def sign_in(self) -> None:
        self.send("GET", "/accounts/login/", "login page")
        form = {"username": self.username, "password": self.options.password}
        response = self.send(
            "POST", "/accounts/login/", "login", data=form | {"csrfmiddlewaretoken": self.csrf_token()}, expect=(302,)
        )
        if response.status_code != 302:
            raise RuntimeError(f"{self.username} could not sign in: {response.status_code}")
        self.send("GET", urlsplit(response.headers["Location"]).path, "home")

    def start_paper(self, *, visit_quiz: bool = True) -> None:
        quiz = f"/quizzes/{self.options.quiz}/"
        if visit_quiz:
            self.send("GET", quiz, "quiz")
        response = self.send(
            "POST",
            f"{quiz}start/",
            "start",
            data={"csrfmiddlewaretoken": self.csrf_token()},
            referer=quiz,
            expect=(302,),
        )
        self.paper = urlsplit(response.headers["Location"]).path
        html = self.send("GET", self.paper, "paper").text
        self.attempt = self.paper.strip("/").split("/")[-1]
        self.options_of: dict[str, list[str]] = {}
        for question, choice in RADIO.findall(html):
            self.options_of.setdefault(question, []).append(choice)
        if not self.options_of:
            raise RuntimeError(f"{self.username}: no questions on {self.paper}")
        # What the server has acknowledged, as the page's was-<id> fields hold it.
        self.saved = dict.fromkeys(self.options_of, ("", False))

    def autosave(self, question: str, choice: str, marked: bool) -> None:
        """Save one answer as paper.js does, retrying until the server acknowledges it."""
        was = f"{self.saved[question][0]}:{int(self.saved[question][1])}"
        delay = 1.0
        for _ in range(MAX_TRIES):
            form = {"question": question, "choice": choice, "was": was} | ({"marked": "on"} if marked else {})
            response = self.request(
                "POST", f"{self.paper}answer/", "autosave", data=form, ajax=True, referer=self.paper
            )
            if response.status_code == 200:
                self.saved[question] = (choice, marked)
                Run.answers.write(f"{self.attempt} {question} {choice or '-'} {int(marked)}\n")
                return
            if response.status_code in (400, 404, 409):
                return  # refused for good: the page reverts or closes; counted in the samples
            was = "?"  # paper.js: while a save is unconfirmed the server applies both fields
            Run.retries["autosave"] += 1
            gevent.sleep(delay)
            delay = min(delay * 2, 10.0)
        Run.gave_up["autosave"] += 1

    def submit(self) -> None:
        form = {"csrfmiddlewaretoken": self.csrf_token(), "intent": "submit"}
        for question, (choice, marked) in self.saved.items():
            form[f"was-{question}"] = f"{choice}:{int(marked)}"
            if choice:
                form[f"q-{question}"] = choice
            if marked:
                form[f"mark-{question}"] = "on"
        response = self.send("POST", f"{self.paper}submit/", "submit", data=form, referer=self.paper, expect=(302,))
        if response.status_code == 302:
            self.send("GET", urlsplit(response.headers["Location"]).path, "result")

    def finish(self) -> None:
        Run.done += 1
        if Run.done == self.environment.parsed_options.num_users:
            gevent.spawn_later(0.5, self.environment.runner.quit)
        gevent.sleep(10**6)  # the run ends when the last student is done

    # --- the scenarios -----------------------------------------------------------------------------

    @task
    def act(self):
        if self.options.scenario == "students":
            self.sit_paper()
        elif self.options.scenario == "storm":
            self.sit_live_mock()
        else:
            self.hammer()

    def sit_paper(self) -> None:
        rng, pause = self.rng, self.options.pause
        self.sign_in()
        self.start_paper()
        questions = list(self.options_of)
        for index, question in enumerate(questions):
            gevent.sleep(rng.uniform(0.25, 1.75) * pause)
            if rng.random() < 0.05:
                continue  # left blank
            self.autosave(question, rng.choice(self.options_of[question]), rng.random() < 0.1)
            if rng.random() < 0.1:
                # Second thoughts on an earlier question: a new choice, or clearing it, and unmarking.
                earlier = questions[rng.randrange(index + 1)]
                choice = "" if rng.random() < 0.2 else rng.choice(self.options_of[earlier])
                gevent.sleep(rng.uniform(0.25, 1.75) * pause)
                self.autosave(earlier, choice, False)
        self.submit()
        self.finish()

    def sit_live_mock(self) -> None:
        """The storm: signed in and in the lobby before the start; Start within the start window;
        answers at exam pace until the common end; at zero the page submits the paper, or (a
        student who closed the tab) the server closes it (close_expired_attempts, as cron would)."""
        rng, options = self.rng, self.options
        self.sign_in()
        quiz = f"/quizzes/{options.quiz}/"
        self.send("GET", quiz, "lobby")
        wait_for_common_start(self)
        self.start_paper(visit_quiz=False)
        questions = list(self.options_of)
        # Exam pace: the questions spread over the time left, the last answered a little before the end.
        pace = max(0.2, (options.closes_at - time.time()) * 0.9 / len(questions))
        for index, question in enumerate(questions):
            gevent.sleep(rng.uniform(0.5, 1.5) * pace)
            if time.time() >= options.closes_at:
                break
            if rng.random() < 0.05:
                continue  # left blank
            self.autosave(question, rng.choice(self.options_of[question]), rng.random() < 0.1)
            if rng.random() < 0.1:
                earlier = questions[rng.randrange(index + 1)]
                self.autosave(earlier, "" if rng.random() < 0.2 else rng.choice(self.options_of[earlier]), False)
        # The page's countdown reaches zero on the student's own clock, give or take a second.
        gevent.sleep(max(0.0, options.closes_at - time.time()) + rng.uniform(0.0, 1.0))
        if rng.random() < options.submit_share:
            self.submit()
        self.finish()

    def hammer(self) -> None:
        self.sign_in()
        self.start_paper()
        Run.ready += 1
        if Run.ready == self.options.num_users:
            start = time.time() + 0.5
            for spec in self.options.phases.split(","):
                name, seconds = spec.split(":")
                Run.phases.append((name, start, start + float(seconds)))
                start += float(seconds)
        while not Run.phases:
            gevent.sleep(0.05)
        questions = list(self.options_of)
        writes = itertools.count()
        while time.time() < Run.phases[-1][2]:
            phase = phase_now()
            if phase == "autosave":
                question = self.rng.choice(questions)
                self.autosave(question, self.rng.choice(self.options_of[question]), False)
            elif phase == "bare":
                number = next(writes)
                form = {"key": f"{self.username}-{number % len(questions)}", "value": str(number)}
                self.send("POST", "/bench/write/", "bare", data=form, ajax=True, referer=self.paper)
            else:
                gevent.sleep(0.05)
        self.submit()
        self.finish()
