// The timed paper: autosave on every click, retry until saved, a countdown to the server's deadline
// that hands the paper in once the server says time is up, the palette, and keyboard shortcuts.
// Without this file the page is still one plain form whose Submit saves everything.
(() => {
  "use strict";
  const form = document.getElementById("paper");
  if (!form) return;

  const csrfField = form.querySelector("input[name=csrfmiddlewaretoken]");
  const answerUrl = form.dataset.answerUrl;
  const resultUrl = form.dataset.resultUrl;
  const total = Number(form.dataset.questionCount);
  const questions = Array.from(form.querySelectorAll("section.question"));
  // One question per screen (the student's choice, kept on the paper): the others are hidden, and
  // moving shows another without a reload. Docking the palette needs this script, so it says it ran.
  const onePerScreen = form.dataset.layout === "one";
  const positionField = form.querySelector("input[name=q]");
  document.body.classList.add("paper-scripted");
  const byId = new Map(questions.map((q) => [q.dataset.question, q]));
  const warning = document.getElementById("save-warning");
  const dialogElement = document.getElementById("submit-dialog");
  const dialog = window.bootstrap ? new window.bootstrap.Modal(dialogElement) : null;
  // The state names come from the palette's legend, which the server renders.
  const LABELS = Object.fromEntries(
    Array.from(document.querySelectorAll(".palette-legend [data-state]"), (li) => [li.dataset.state, li.textContent.trim()]),
  );
  let submitting = false;
  let closed = false;
  let signedOut = false;
  let dialogOpen = false; // the submit dialog or the shortcuts list: keys answer nothing behind it

  // A question's options are the radios `q-<id>`; its confidence tag the radios `conf-<id>`.
  const options = (section) => section.querySelectorAll(`input[name="q-${section.dataset.question}"]`);
  const chosen = (section) => section.querySelector(`input[name="q-${section.dataset.question}"]:checked`);
  const tags = (section) => section.querySelectorAll(`input[name="conf-${section.dataset.question}"]`);
  const tagOf = (section) => {
    const tag = section.querySelector(`input[name="conf-${section.dataset.question}"]:checked`);
    return tag ? tag.value : "";
  };

  // Signing in again (in another tab) rotates the CSRF token: read the cookie at every request.
  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) csrfField.value = decodeURIComponent(cookie.slice("csrftoken=".length));
    return csrfField.value;
  }

  // --- the clock ---------------------------------------------------------------------------------
  // The server owns the clock. The page counts down the seconds the server gave on the monotonic
  // clock (performance.now()), which changing the device's date, time or time zone never moves, and
  // takes the server's figure again from every save's reply. The monotonic clock can still be wrong
  // after a sleep (some browsers pause it while the machine sleeps) or a frozen tab, and the device
  // clock can be wrong at any time, so the page trusts neither: when it is seen again, and whenever
  // the two clocks disagree (a sleep, or a changed date), it asks the server (the state URL). At zero
  // it asks the server before handing anything in: the device's clock never ends a paper.
  // An untimed practice round has no timer: nothing counts down and nothing submits by itself.
  const timer = document.getElementById("timer");
  const announce = document.getElementById("timer-announce");
  const clockNote = document.getElementById("clock-note");
  const stateUrl = form.dataset.stateUrl;
  let endsAt = timer ? performance.now() + Number(timer.dataset.secondsLeft) * 1000 : Infinity;
  const thresholds = [600, 300, 60];
  const announced = new Set(timer ? thresholds.filter((t) => Number(timer.dataset.secondsLeft) <= t) : []);
  // Beyond this, the device clock and the monotonic one disagree for a reason, not from jitter.
  const CLOCKS_DISAGREE_MS = 2000;
  let wallMark = Date.now();
  let monoMark = performance.now();
  let syncs = 0; // times the countdown took the server's figure: tests wait on it, never on time
  if (timer) timer.dataset.syncs = "0";
  let syncing = false;
  let checkAgainAt = null; // after a failed check, when to ask again (monotonic), backing off
  let checkDelay = 1000;
  let noteTimer = null;

  function clock(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  }

  function secondsLeft() {
    return Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
  }

  function show(left) {
    timer.textContent = clock(left);
    timer.classList.toggle("text-danger", left <= 60);
    for (const t of thresholds) {
      if (left <= t && !announced.has(t)) {
        announced.add(t);
        announce.textContent = `${t / 60} minute${t === 60 ? "" : "s"} left.`;
      }
    }
  }

  // What the clock did that the student did not see coming; an info note goes away by itself.
  function note(text, kind = "info") {
    window.clearTimeout(noteTimer);
    clockNote.hidden = !text;
    clockNote.textContent = text;
    clockNote.className = `alert alert-${kind} py-2 mt-2 mb-0`;
    if (text && kind === "info") noteTimer = window.setTimeout(() => note(""), 20000);
  }

  function tick() {
    const wall = Date.now();
    const mono = performance.now();
    if (Math.abs(wall - wallMark - (mono - monoMark)) > CLOCKS_DISAGREE_MS) sync();
    wallMark = wall;
    monoMark = mono;
    const left = secondsLeft();
    show(left);
    const due = checkAgainAt === null ? left <= 0 : mono >= checkAgainAt;
    if (due) sync({ atZero: left <= 0 });
    window.setTimeout(tick, 250);
  }

  function resync(seconds) {
    if (!timer || !Number.isFinite(seconds)) return;
    endsAt = performance.now() + seconds * 1000;
    // Time the server gives back (the device ran ahead) is announced again when it runs low again.
    for (const t of thresholds) if (seconds > t + 30) announced.delete(t);
    syncs += 1;
    timer.dataset.syncs = String(syncs);
    show(secondsLeft());
  }

  // The server closed the paper (submitted elsewhere, or its time and grace ran out): say so, and
  // show the result, which says which it was.
  function closedByServer(message) {
    submitting = true;
    closed = true;
    warning.hidden = false;
    warning.textContent = `${message || "This paper is closed."} Opening your result…`;
    window.location.assign(resultUrl);
  }

  async function sync({ atZero = false } = {}) {
    if (!timer || syncing || submitting || closed) return;
    syncing = true;
    if (atZero && clockNote.hidden) {
      note("Time is up on this device's clock: checking with the server, whose clock decides…", "warning");
    }
    try {
      const response = await fetch(stateUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const data = await response.json().catch(() => null);
      if (response.ok && data && Number.isFinite(data.seconds_left)) {
        checkAgainAt = null;
        checkDelay = 1000;
        resync(data.seconds_left);
        if (data.seconds_left <= 0) {
          // The server's deadline has passed: hand in what is on the page, within the grace.
          note("Time is up: handing in your paper with the answers on this page…", "warning");
          submit();
        } else if (atZero && data.seconds_left > 2) {
          // (A second or two is the rounding of a reply in flight, not a clock that ran ahead.)
          const more = clock(data.seconds_left);
          note(`Not yet: this device's clock ran ahead. The server's clock, the one that counts, gives you ${more} more.`);
        } else if (!clockNote.hidden && clockNote.classList.contains("alert-warning")) {
          note("");
        }
      } else if (response.status === 409 && data && data.closed) {
        closedByServer(data.error);
      } else {
        throw new Error((data && data.error) || `The server answered ${response.status}.`);
      }
    } catch (error) {
      // Asked again until the server answers: after a sleep, the network may wake after the page.
      checkAgainAt = performance.now() + checkDelay;
      checkDelay = Math.min(checkDelay * 2, 10000);
      if (atZero) {
        const reason = error instanceof TypeError ? "The connection is down." : error.message;
        note(
          `Time is up on this device's clock, but the server, whose clock decides, could not confirm it: ${reason} ` +
            "Your answers stay on this page; asking again…",
          "warning",
        );
      }
    } finally {
      syncing = false;
    }
  }

  // A tab seen again, a page the browser froze and resumed, a window focused after a sleep: the
  // countdown may have stood still meanwhile, so take the server's figure.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) sync();
  });
  document.addEventListener("resume", () => sync());
  window.addEventListener("focus", () => sync());

  // --- palette -----------------------------------------------------------------------------------
  const visitedKey = `visited-${form.dataset.attempt}`;
  const visited = new Set(JSON.parse(window.localStorage.getItem(visitedKey) || "[]"));

  function stateOf(section) {
    const id = section.dataset.question;
    const answered = !!chosen(section);
    const marked = section.querySelector(`#mark-${id}`).checked;
    if (answered) return marked ? "answered-marked" : "answered";
    if (marked) return "marked";
    return section.dataset.state === "not-visited" && !visited.has(id) ? "not-visited" : "not-answered";
  }

  function paint(section) {
    const id = section.dataset.question;
    const state = stateOf(section);
    section.dataset.state = state;
    const badge = section.querySelector("[data-state-label]");
    badge.className = `badge state-badge state-${state}`;
    badge.textContent = LABELS[state];
    const cell = document.querySelector(`[data-palette="${id}"]`);
    cell.className = `palette-item state-${state}`;
    cell.setAttribute("aria-label", `Question ${cell.textContent.trim()}: ${LABELS[state]}`);
  }

  function visit(section) {
    if (!section) return;
    const id = section.dataset.question;
    if (!visited.has(id)) {
      visited.add(id);
      window.localStorage.setItem(visitedKey, JSON.stringify([...visited]));
    }
    if (section.dataset.state === "not-visited") paint(section);
  }

  function counts() {
    const answered = questions.filter((q) => chosen(q)).length;
    const marked = questions.filter((q) => q.querySelector(`#mark-${q.dataset.question}`).checked).length;
    return { answered, marked };
  }

  function showCounts(answered, marked) {
    document.querySelector("[data-answered]").textContent = answered;
    const markedEl = document.querySelector("[data-marked]");
    markedEl.textContent = marked;
  }

  // --- time per question -------------------------------------------------------------------------
  // Which question is being worked on, and for how long, on the monotonic clock: the one last
  // focused or moved to (palette, keys, Next), or, after scrolling, the one most in view. Time
  // counts only while the page is seen and has the focus. Each question's seconds not yet saved
  // go with its next save (or a quiet save when the student moves on) and with the form.
  const TAG_KEYS = { s: "sure", f: "fifty", g: "guess" };
  const unsent = new Map();
  let workingOn = null;
  let since = null; // performance.now() when the current stretch began; null while not counting
  // False from a move the student made (focus, palette, keys, Next) until the question moved to is
  // in view: the page scrolls to it smoothly, and halfway there the question left behind is still
  // the one most in view (the observer below would have sent the student's time and keys back to it).
  let arrived = true;

  const counting = () => document.visibilityState === "visible" && document.hasFocus() && !submitting && !closed;

  // Add the stretch so far to the question being worked on, and start a new one if time counts now.
  function settle() {
    const now = performance.now();
    if (workingOn && since !== null) unsent.set(workingOn, (unsent.get(workingOn) || 0) + (now - since) / 1000);
    since = counting() ? now : null;
  }

  function working(section) {
    const id = section ? section.dataset.question : null;
    if (id === workingOn) return;
    settle();
    const left = workingOn;
    workingOn = id;
    if (left) queueTime(left);
    form.dataset.working = id || "";
  }

  document.addEventListener("visibilitychange", () => {
    settle();
    // Leaving the page: what was measured goes now, while it can.
    if (document.visibilityState === "hidden" && workingOn) queueTime(workingOn);
  });
  window.addEventListener("focus", settle);
  window.addEventListener("blur", settle);

  // Scrolling: once the question worked on is out of view, the one most in view is.
  const inView = new Map();
  if (!onePerScreen && window.IntersectionObserver) {
    const observer = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) inView.set(entry.target, entry.intersectionRatio);
        const here = workingOn && byId.get(workingOn);
        if (here && (inView.get(here) || 0) > 0.25) {
          arrived = true;
          return;
        }
        if (here && !arrived) return;
        let best = null;
        for (const [section, ratio] of inView) if (ratio > 0 && (!best || ratio > inView.get(best))) best = section;
        if (best) {
          current = best;
          working(best);
        }
      },
      { threshold: [0, 0.25, 0.5, 0.75, 1] },
    );
    questions.forEach((section) => observer.observe(section));
  }

  // --- autosave ----------------------------------------------------------------------------------
  // One save in flight per question; a newer click waits and replaces the older. A failed save
  // stays pending and is retried with backoff until the server acknowledges it.
  const pending = new Map();
  const inFlight = new Set();
  const failed = new Map();
  let retryDelay = 1000;
  let retryTimer = null;

  function status(section, text, kind) {
    const el = section.querySelector("[data-save-status]");
    el.textContent = text;
    el.className = `small save-status ms-auto${kind ? ` text-${kind}` : ""}`;
  }

  function showWarning() {
    if (closed) return;
    if (failed.size === 0) {
      warning.hidden = true;
      return;
    }
    const numbers = [...failed.keys()].map((id) => byId.get(id).querySelector("h2").firstChild.textContent.trim());
    const reason = [...failed.values()].pop();
    warning.hidden = false;
    warning.textContent = `Not saved yet: ${numbers.join(", ")}. ${reason} Retrying automatically; keep this page open. `;
    if (signedOut) {
      const link = document.createElement("a");
      link.href = form.dataset.loginUrl;
      link.target = "_blank";
      link.textContent = "Sign in again in a new tab";
      warning.append(link);
    }
  }

  function wanted(section, quiet = false) {
    const checked = chosen(section);
    const id = section.dataset.question;
    return { choice: checked ? checked.value : "", marked: section.querySelector(`#mark-${id}`).checked, confidence: tagOf(section), quiet };
  }

  function queue(section) {
    const id = section.dataset.question;
    pending.set(id, wanted(section));
    paint(section);
    status(section, "Saving…", "body-secondary");
    flush(id);
  }

  // A save that only brings the time measured on a question: quiet (no "Saved" under a question the
  // student only looked at), never queued over a real save, and not retried: its seconds wait for
  // the next save instead.
  function queueTime(id) {
    if (pending.has(id) || inFlight.has(id) || closed || submitting) return;
    if (Math.floor(unsent.get(id) || 0) < 1) return;
    pending.set(id, wanted(byId.get(id), true));
    flush(id);
  }

  // `was-<id>` tells the server what this page last knew saved, so that only real changes made
  // here are applied: "<choice>:<mark>:<confidence>", or "?" while a save is unconfirmed (then all
  // is applied).
  function wasField(id) {
    return form.querySelector(`input[name="was-${id}"]`);
  }
  const acknowledged = new Map(questions.map((q) => [q.dataset.question, wasField(q.dataset.question).value]));

  // Put a question back to what the server last acknowledged (after it refused a change).
  function revert(section) {
    const id = section.dataset.question;
    const [choice, mark, confidence = ""] = acknowledged.get(id).split(":");
    options(section).forEach((radio) => {
      radio.checked = radio.value === choice;
    });
    tags(section).forEach((radio) => {
      radio.checked = radio.value === confidence;
    });
    section.querySelector(`#mark-${id}`).checked = mark === "1";
    paint(section);
  }

  async function flush(id) {
    if (inFlight.has(id) || !pending.has(id) || submitting) return;
    const want = pending.get(id);
    pending.delete(id);
    inFlight.add(id);
    const section = byId.get(id);
    settle();
    // Taken off as they are sent, so the form cannot send them again; put back if the save fails.
    const seconds = Math.floor(unsent.get(id) || 0);
    unsent.set(id, (unsent.get(id) || 0) - seconds);
    const giveBack = () => unsent.set(id, (unsent.get(id) || 0) + seconds);
    const body = new URLSearchParams({
      question: id,
      choice: want.choice,
      confidence: want.confidence,
      seconds: String(seconds),
      was: wasField(id).value,
    });
    if (want.marked) body.set("marked", "on");
    wasField(id).value = "?";
    try {
      const response = await fetch(answerUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
        body,
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => null);
      signedOut = response.status === 403 && !!data && !!data.signed_out;
      if (response.ok && data && data.saved) {
        failed.delete(id);
        retryDelay = 1000;
        acknowledged.set(id, `${want.choice}:${want.marked ? 1 : 0}:${want.confidence}`);
        if (!pending.has(id)) wasField(id).value = acknowledged.get(id);
        resync(data.seconds_left);
        if (!want.quiet) status(section, "Saved", "success");
        showCounts(data.answered, data.marked);
      } else if (response.status === 409) {
        closedByServer(data && data.error);
        return;
      } else if (response.status === 400) {
        giveBack();
        failed.delete(id);
        wasField(id).value = acknowledged.get(id);
        if (!pending.has(id)) revert(section);
        status(section, `${(data && data.error) || "The server refused this answer."} Not saved.`, "danger");
      } else if (response.status === 404 || response.status === 405) {
        failed.delete(id);
        pending.delete(id);
        closed = true;
        warning.hidden = false;
        warning.textContent = "This page can no longer save answers to this paper. Reload the page.";
      } else if (response.status === 403 && data && data.signed_out) {
        throw new Error(`${data.error} Your unsaved answers are kept on this page.`);
      } else {
        const reason = data && data.error ? data.error : `The server answered ${response.status}.`;
        throw new Error(reason);
      }
    } catch (error) {
      giveBack();
      if (want.quiet) {
        if (!pending.has(id)) wasField(id).value = acknowledged.get(id);
      } else {
        if (!pending.has(id)) pending.set(id, want);
        failed.set(id, error instanceof TypeError ? "The connection is down." : error.message);
        status(section, "Not saved yet, retrying…", "danger");
        scheduleRetry();
      }
    } finally {
      inFlight.delete(id);
      showWarning();
    }
    if (pending.has(id) && !failed.has(id)) flush(id);
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(() => {
      retryTimer = null;
      retryDelay = Math.min(retryDelay * 2, 10000);
      for (const id of [...pending.keys()]) flush(id);
    }, retryDelay);
  }

  window.addEventListener("online", () => {
    retryDelay = 1000;
    if (checkAgainAt !== null) checkAgainAt = 0;
    for (const id of [...pending.keys()]) flush(id);
  });

  window.addEventListener("beforeunload", (event) => {
    if (!submitting && (pending.size || inFlight.size)) event.preventDefault();
  });

  form.addEventListener("change", (event) => {
    const section = event.target.closest("section.question");
    if (section) queue(section);
  });

  form.addEventListener("click", (event) => {
    const clear = event.target.closest("[data-clear]");
    if (!clear) return;
    event.preventDefault();
    const section = clear.closest("section.question");
    options(section).forEach((radio) => {
      radio.checked = false;
    });
    queue(section);
  });

  // A radio cannot be unchecked by clicking it: a click on the tag already chosen takes it off.
  let armedTag = null;
  form.addEventListener("pointerdown", (event) => {
    const label = event.target.closest(".confidence label");
    armedTag = label && document.getElementById(label.htmlFor).checked ? label.htmlFor : null;
  });
  form.addEventListener("click", (event) => {
    const tag = event.target.closest(".confidence input");
    if (!tag || tag.id !== armedTag) return;
    armedTag = null;
    tag.checked = false;
    queue(tag.closest("section.question"));
  });

  // s, f and g tag the current question's answer; the same key again takes its tag off.
  function tag(section, value) {
    const radio = section.querySelector(`input[name="conf-${section.dataset.question}"][value="${value}"]`);
    radio.checked = !radio.checked;
    queue(section);
  }

  // --- submitting --------------------------------------------------------------------------------
  // The form carries every answer, so submitting never depends on the autosaves having landed.
  function submit() {
    if (submitting) return;
    csrfToken();
    const button = document.getElementById("confirm-submit");
    if (form.requestSubmit) form.requestSubmit(button);
    else button.click();
  }

  document.querySelectorAll("[data-open-submit]").forEach((button) => {
    button.addEventListener("click", (event) => {
      if (!dialog) return; // no Bootstrap: fall back to the confirmation page
      event.preventDefault();
      const { answered, marked } = counts();
      const unanswered = total - answered;
      const parts = [`You have answered ${answered} of ${total} question${total === 1 ? "" : "s"}.`];
      parts.push(unanswered ? `${unanswered} ${unanswered === 1 ? "is" : "are"} unanswered.` : "None is unanswered.");
      if (marked) parts.push(`${marked} ${marked === 1 ? "is" : "are"} marked for review.`);
      dialogElement.querySelector("[data-submit-summary]").textContent = parts.join(" ");
      dialogOpen = true;
      dialog.show();
    });
  });
  // Until the dialog has faded in, focus is still on the paper: without this flag a number key
  // pressed then would change an answer behind the dialog that is summarising them.
  dialogElement.addEventListener("hidden.bs.modal", () => {
    dialogOpen = false;
  });

  form.addEventListener("submit", () => {
    csrfToken();
    // The time measured since each question's last save goes with the form (`secs-<id>`).
    settle();
    for (const [id, seconds] of unsent) {
      if (Math.floor(seconds) < 1) continue;
      let field = form.querySelector(`input[name="secs-${id}"]`);
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = `secs-${id}`;
        form.append(field);
      }
      field.value = String(Math.floor(seconds));
    }
    submitting = true;
    settle();
  });

  // --- navigation and keys -----------------------------------------------------------------------
  let current = onePerScreen
    ? questions.find((q) => !q.hidden) || questions[0]
    : questions.find((q) => q.id === window.location.hash.slice(1)) || questions[0];

  // One question per screen: show `section` alone, and say which it is in the palette, the form's
  // `q` (so a Save & Next posted from here moves from it) and the address (so a reload stays).
  function showOnly(section) {
    current.hidden = true;
    document.querySelector(`[data-palette="${current.dataset.question}"]`).removeAttribute("aria-current");
    section.hidden = false;
    document.querySelector(`[data-palette="${section.dataset.question}"]`).setAttribute("aria-current", "step");
    positionField.value = section.dataset.position;
    const url = new URL(window.location.href);
    url.searchParams.set("q", section.dataset.position);
    url.hash = "";
    window.history.replaceState(null, "", url);
  }

  function go(section) {
    if (!section) return;
    if (onePerScreen) showOnly(section);
    arrived = false;
    current = section;
    working(section);
    visit(section);
    section.scrollIntoView({ block: "start" });
    const target = chosen(section) || options(section)[0];
    target.focus({ preventScroll: true });
  }

  // Save & Next unmarks the question, Mark for review & Next marks it, Previous leaves the mark: as
  // in the exam hall. The answer itself was saved when it was chosen; a changed mark is saved now.
  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    const index = questions.indexOf(current);
    const move = button.dataset.move;
    if (move !== "prev") {
      const box = current.querySelector(`#mark-${current.dataset.question}`);
      if (box.checked !== (move === "mark-next")) {
        box.checked = move === "mark-next";
        queue(current);
      }
    }
    go(questions[index + (move === "prev" ? -1 : 1)]);
  });

  form.addEventListener("focusin", (event) => {
    const section = event.target.closest("section.question");
    if (section) {
      arrived = false;
      current = section;
      visit(section);
      working(section);
    }
  });

  document.querySelectorAll("[data-palette]").forEach((cell) => {
    cell.addEventListener("click", (event) => {
      event.preventDefault();
      go(byId.get(cell.dataset.palette));
      if (!onePerScreen) window.history.replaceState(null, "", cell.getAttribute("href"));
      // On a phone the docked palette folds again, so the question it opened is in view.
      if (docked()) palette.removeAttribute("open");
    });
  });

  // --- the shortcuts list ------------------------------------------------------------------------
  // Shortcuts are this script's, so their button shows only with it. `?` opens the list too.
  const shortcutsElement = document.getElementById("shortcuts-dialog");
  const shortcutsButton = document.getElementById("shortcuts-button");
  const shortcuts = window.bootstrap ? new window.bootstrap.Modal(shortcutsElement) : null;
  let focusBeforeShortcuts = null;
  function showShortcuts() {
    if (!shortcuts) return;
    focusBeforeShortcuts = document.activeElement;
    dialogOpen = true;
    shortcuts.show();
  }
  if (shortcuts) {
    shortcutsButton.hidden = false;
    shortcutsButton.addEventListener("click", showShortcuts);
    shortcutsElement.addEventListener("hidden.bs.modal", () => {
      dialogOpen = false;
      // Back where the student was, so the next key answers the question they were on.
      if (focusBeforeShortcuts && document.contains(focusBeforeShortcuts)) focusBeforeShortcuts.focus();
    });
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || submitting || dialogOpen) return;
    if (event.target.closest("textarea, input[type=text], .modal")) return;
    const index = questions.indexOf(current);
    if (event.key === "?") {
      event.preventDefault();
      showShortcuts();
    } else if (/^[1-4]$/.test(event.key)) {
      const radio = options(current)[Number(event.key) - 1];
      if (radio) {
        radio.checked = true;
        radio.focus();
        queue(current);
        event.preventDefault();
      }
    } else if (event.key === "n") {
      go(questions[index + 1]);
    } else if (event.key === "p") {
      go(questions[index - 1]);
    } else if (event.key === "m") {
      const box = current.querySelector(`#mark-${current.dataset.question}`);
      box.checked = !box.checked;
      queue(current);
    } else if (TAG_KEYS[event.key]) {
      tag(current, TAG_KEYS[event.key]);
      event.preventDefault();
    }
  });

  // Jumping to a question must land below the sticky bar, whose height varies with the title.
  const bar = document.querySelector(".paper-bar");
  // One question per screen the page is short, so the palette seldom sticks: it must fit below where
  // it starts (its column's top), or the page's foot would carry it up under the bar.
  const measureBar = () => {
    const root = document.documentElement.style;
    root.setProperty("--paper-bar-h", `${bar.offsetHeight}px`);
    const column = document.querySelector(".palette").parentElement;
    root.setProperty("--palette-top", `${column.getBoundingClientRect().top + window.scrollY}px`);
  };
  measureBar();
  if (window.ResizeObserver) new ResizeObserver(measureBar).observe(bar);
  window.addEventListener("resize", measureBar);

  // Coming back with Back from another page must not show a stale paper from the page cache.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });

  // On a phone the palette starts folded, so the first question is in view (one question per
  // screen, docked at the foot of the screen: app.css).
  const palette = document.querySelector(".palette");
  const phone = window.matchMedia("(max-width: 991.98px)");
  const docked = () => onePerScreen && phone.matches;
  if (phone.matches) palette.removeAttribute("open");
  questions.forEach((section) => {
    if (visited.has(section.dataset.question)) paint(section);
  });
  if (window.location.hash || onePerScreen) visit(current);
  else visit(questions[0]);
  working(current);
  if (timer) tick();
  // Every handler is bound: say so, for assistive checks and for tests that must not type too early.
  form.dataset.ready = "true";
})();
