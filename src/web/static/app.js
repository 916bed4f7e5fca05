// The dashboard's only script (no inline scripts: the Content-Security-Policy forbids them). The page
// works without it; this adds the live countdown, the cost estimate, the type list (and the work
// volume's line) per location, a confirmation before a delete or a save, and a reload while a
// machine is being set up or saved, and a running task's transcript as it grows.

function timeLeft(ms) {
  if (ms <= 0) return "expired";
  const totalSeconds = Math.floor(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h > 0 ? `${h} h ${pad(m)} min ${pad(s)} s` : `${m} min ${pad(s)} s`;
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll("[data-expires]")) {
    el.textContent = timeLeft(Date.parse(el.getAttribute("data-expires")) - now);
  }
}

function setUpForm(form) {
  const location = form.querySelector("#location");
  const type = form.querySelector("#serverType");
  const hours = form.querySelector("#hours");
  const estimate = form.querySelector("#estimate");
  const estimateNow = () => {
    const option = type.selectedOptions[0];
    const price = option ? Number(option.getAttribute("data-hourly")) : Number.NaN;
    const n = Number(hours.value);
    estimate.textContent = Number.isFinite(price) && n > 0 ? `€${(price * n).toFixed(2)}` : "";
  };
  const showTypesOf = () => {
    const wanted = type.value;
    let keep = null;
    let first = null;
    for (const option of type.options) {
      const here = option.getAttribute("data-location") === location.value;
      option.hidden = !here;
      option.disabled = !here;
      if (here && !first) first = option;
      if (here && option.value === wanted) keep = option;
    }
    const pick = keep || first;
    if (pick) pick.selected = true;
    // "Keep my work" gives the person's volume in the chosen location: show that location's line.
    for (const line of form.querySelectorAll(".keep-line")) {
      line.hidden = line.getAttribute("data-location") !== location.value;
    }
    estimateNow();
  };
  location.addEventListener("change", showTypesOf);
  type.addEventListener("change", estimateNow);
  hours.addEventListener("input", estimateNow);
  showTypesOf();
}

// The server writes UTC; each reader sees their own time, the zone named beside it and in the page's
// note, with UTC kept in the tooltip.
function localTimes() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const format = new Intl.DateTimeFormat(undefined, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });
  for (const el of document.querySelectorAll("time[datetime]")) {
    el.textContent = format.format(new Date(el.getAttribute("datetime")));
  }
  for (const el of document.querySelectorAll("[data-zone-note]")) {
    el.textContent = `Times are in your time zone, ${zone}.`;
  }
}

// A task's transcript (issue 22): new events are fetched and appended while the task runs.
function followTranscript(list) {
  const url = list.getAttribute("data-task-events");
  let after = Number(list.getAttribute("data-after")) || 0;
  const poll = async () => {
    try {
      const res = await fetch(`${url}?after=${after}`, { headers: { accept: "application/json" } });
      if (!res.ok) return setTimeout(poll, 5000);
      const news = await res.json();
      for (const line of news.lines) {
        const item = document.createElement("li");
        item.setAttribute("data-seq", String(line.seq));
        const time = document.createElement("time");
        time.textContent = line.at;
        item.append(time, ` ${line.text}`);
        list.append(item);
      }
      after = news.after;
      const status = document.querySelector("#task-status");
      if (status)
        status.textContent = news.status.replace("succeeded", "done").replace("no_change", "no change");
      const turns = document.querySelector("#task-turns");
      if (turns) turns.textContent = String(news.turns);
      list.setAttribute("data-active", String(news.active));
      // At the end, the page once more from the server: the summary, the changes, the pull request.
      if (news.active) setTimeout(poll, 1000);
      else window.location.reload();
    } catch {
      setTimeout(poll, 5000);
    }
  };
  if (list.getAttribute("data-active") === "true") setTimeout(poll, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  const transcript = document.querySelector("#transcript[data-task-events]");
  if (transcript) followTranscript(transcript);
  localTimes();
  tick();
  setInterval(tick, 1000);
  const form = document.querySelector("form.provision");
  if (form) setUpForm(form);
  for (const el of document.querySelectorAll("form[data-confirm]")) {
    el.addEventListener("submit", (event) => {
      if (!window.confirm(el.getAttribute("data-confirm"))) event.preventDefault();
    });
  }
  const pending = document.querySelector("[data-refresh]");
  if (pending) {
    const seconds = Number(pending.getAttribute("data-refresh")) || 5;
    // Not while someone is typing in the form: a reload would throw their input away.
    setTimeout(function again() {
      const typing = document.activeElement?.closest("form.provision");
      if (typing) setTimeout(again, seconds * 1000);
      else window.location.reload();
    }, seconds * 1000);
  }
});
