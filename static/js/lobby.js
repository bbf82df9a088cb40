// A live mock's lobby: a countdown to the common start that hands over to Start once the server says
// the mock has started. Without this file the page still works: Start pressed early is refused with
// the start time, and pressed at the start opens the paper.
(() => {
  "use strict";
  const lobby = document.getElementById("lobby");
  if (!lobby) return;

  const countdown = document.getElementById("lobby-countdown");
  const announce = document.getElementById("lobby-announce");
  const note = document.getElementById("lobby-note");
  const button = document.querySelector("[data-lobby-start]");
  const wait = document.querySelector("[data-lobby-wait]");
  const stateUrl = lobby.dataset.stateUrl;

  // The server owns the clock, as on the paper (static/js/paper.js, "the clock"): the page counts
  // the server's seconds down on the monotonic clock, which a changed device date never moves, and
  // at zero asks the server whether the mock has started. Only its answer enables Start, so a device
  // whose clock runs ahead never opens a paper early (and the server would refuse it anyway).
  let startsAt = performance.now() + Number(lobby.dataset.secondsToStart) * 1000;
  const CLOCKS_DISAGREE_MS = 2000;
  let wallMark = Date.now();
  let monoMark = performance.now();
  let started = false;
  let asking = false;
  let askAgainAt = null; // after a failed ask, when to ask again (monotonic), backing off
  let askDelay = 1000;
  let syncs = 0; // times the countdown took the server's figure: tests wait on it, never on time
  const announced = new Set();

  if (button) button.disabled = true;

  function clock(seconds) {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    const pad = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  }

  function secondsLeft() {
    return Math.max(0, Math.ceil((startsAt - performance.now()) / 1000));
  }

  function show(left) {
    countdown.textContent = clock(left);
    for (const t of [300, 60]) {
      if (left <= t && left > 0 && !announced.has(t)) {
        announced.add(t);
        announce.textContent = `${t / 60} minute${t === 60 ? "" : "s"} to the start.`;
      }
    }
  }

  function say(text) {
    note.hidden = !text;
    note.textContent = text;
  }

  function open() {
    started = true;
    lobby.dataset.stage = "started";
    countdown.textContent = clock(0);
    say("");
    if (!button) {
      // Signed out: the page, rendered again, offers the sign-in that Start needs.
      window.location.reload();
      return;
    }
    button.disabled = false;
    if (wait) wait.textContent = "The mock has started: press Start.";
    announce.textContent = "The mock has started: press Start.";
    button.focus();
  }

  async function ask({ atZero = false } = {}) {
    if (asking || started) return;
    asking = true;
    try {
      const response = await fetch(stateUrl, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      const data = await response.json().catch(() => null);
      if (!response.ok || !data) throw new Error(`The server answered ${response.status}.`);
      askAgainAt = null;
      askDelay = 1000;
      if (data.stage === "started") {
        open();
      } else if (data.stage === "closed") {
        window.location.reload();
      } else {
        startsAt = performance.now() + data.seconds_to_start * 1000;
        syncs += 1;
        lobby.dataset.syncs = String(syncs);
        show(secondsLeft());
        if (atZero && data.seconds_to_start > 2) {
          say(`Not yet: this device's clock ran ahead. The server's clock, the one that counts, says ${clock(data.seconds_to_start)} to the start.`);
        }
        if (!data.signed_in) say("You are signed out: sign in again before the start.");
      }
    } catch (error) {
      askAgainAt = performance.now() + askDelay;
      askDelay = Math.min(askDelay * 2, 10000);
      if (atZero) {
        const reason = error instanceof TypeError ? "The connection is down." : error.message;
        say(`The countdown has ended on this device, but the server could not confirm the start: ${reason} Asking again…`);
      }
    } finally {
      asking = false;
    }
  }

  function tick() {
    if (started) return;
    const wall = Date.now();
    const mono = performance.now();
    if (Math.abs(wall - wallMark - (mono - monoMark)) > CLOCKS_DISAGREE_MS) ask();
    wallMark = wall;
    monoMark = mono;
    const left = secondsLeft();
    show(left);
    const due = askAgainAt === null ? left <= 0 : mono >= askAgainAt;
    if (due) ask({ atZero: left <= 0 });
    window.setTimeout(tick, 250);
  }

  // A tab seen again after a sleep: the countdown may have stood still, so take the server's figure.
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) ask();
  });
  lobby.dataset.syncs = "0";
  lobby.dataset.ready = "true";
  tick();
})();
