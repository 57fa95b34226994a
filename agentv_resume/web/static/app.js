/* studio-resume: the page script. No build step, no framework, no inline script (CSP).
   Words for states come from the server (vocabulary.py, in #studio-vocabulary). */
(function () {
  "use strict";

  // The job states come from the server (jobs/states.py via <html data-job-states>), never spelled here.
  var TERMINAL = JSON.parse(document.documentElement.getAttribute("data-job-states") || "{}").terminal || [];
  var VOCAB = readVocabulary();
  var POLL_MS = 1000;
  var LIST_LIVE_MS = 3000;   // the runs list while a job runs
  var LIST_IDLE_MS = 20000;  // ... otherwise (picks up jobs started from a terminal)

  function readVocabulary() {
    var el = document.getElementById("studio-vocabulary");
    try { return JSON.parse(el ? el.textContent : "{}"); } catch (e) { return {}; }
  }

  function word(kind, key) {
    var table = VOCAB[kind] || {};
    return table[key] || { label: key, tone: "idle", help: "" };
  }

  function setTone(el, tone) {
    el.className = el.className.replace(/\btone-[a-z]+\b/g, "").replace(/\s+$/, "") + " tone-" + tone;
  }

  function isDisabled(el) {
    return el.disabled || el.getAttribute("aria-disabled") === "true";
  }

  // --- talking to the server ------------------------------------------------------

  function post(url, bodyText) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: bodyText,
      credentials: "same-origin",
      cache: "no-store"
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return { res: res, data: data };
      });
    });
  }

  function getJson(url) {
    return fetch(url, { cache: "no-store", credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : null; });
  }

  function errorText(res, data) {
    if (data && typeof data.error === "string") { return data.error; }
    return "The server answered " + res.status + " " + (res.statusText || "");
  }

  function showAlert(box, message, link) {
    if (!box) { window.alert(message); return; }
    box.textContent = message;
    if (link) {
      box.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
    box.hidden = false;
  }

  function hideAlert(box) {
    if (box) { box.hidden = true; box.textContent = ""; }
  }

  // --- buttons: launch, stop, copy, help, notify ------------------------------------

  function onLaunch(btn, box) {
    var jobBase = (btn.closest("[data-job-base]") || btn).getAttribute("data-job-base") || "/jobs/";
    return post(btn.getAttribute("data-url"), btn.getAttribute("data-body") || "{}").then(function (r) {
      if (r.res.status === 202 && r.data && r.data.id) {
        if (btn.getAttribute("data-testid") === "rerun-selected-button") {
          try { window.sessionStorage.removeItem("studio-resume:picked:" + window.location.pathname); } catch (e) { /* ignore */ }
        }
        window.location.assign(r.data.job_url || jobBase + encodeURIComponent(r.data.id));
        return true; // stay busy while the browser navigates
      }
      var link = null;
      if (r.data && r.data.job_id) {
        link = { href: jobBase + encodeURIComponent(r.data.job_id), text: "Open job " + r.data.job_id };
      }
      showAlert(box, errorText(r.res, r.data), link);
      return false;
    });
  }

  function onStop(btn, box) {
    return post(btn.getAttribute("data-url"), "{}").then(function (r) {
      if (r.res.ok) {
        btn.textContent = r.data && r.data.stopped === false ? "Already ended" : "Stopping…";
        return true;
      }
      showAlert(box, errorText(r.res, r.data), null);
      return false;
    });
  }

  function runAction(btn) {
    var scope = btn.closest(".actions, .outcome-actions") || document;
    var box = scope.querySelector('[data-role="action-error"]');
    if (isDisabled(btn)) {
      // A disabled button stays focusable so its reason can be read; it does nothing.
      var reason = btn.getAttribute("aria-describedby");
      var note = reason ? document.getElementById(reason) : null;
      if (note) { note.classList.add("flash"); window.setTimeout(function () { note.classList.remove("flash"); }, 800); }
      return;
    }
    if (btn.getAttribute("aria-busy") === "true") { return; }
    hideAlert(box);
    btn.setAttribute("aria-busy", "true");
    btn.setAttribute("aria-disabled", "true");
    var action = btn.getAttribute("data-action") === "stop" ? onStop : onLaunch;
    function release() {
      btn.removeAttribute("aria-busy");
      btn.removeAttribute("aria-disabled");
    }
    action(btn, box).then(function (keepBusy) {
      if (!keepBusy) { release(); } else { btn.removeAttribute("aria-busy"); }
    }, function (err) {
      release();
      showAlert(box, "The server did not answer: " + (err && err.message ? err.message : err), null);
    });
  }

  function copyText(btn) {
    var text = btn.getAttribute("data-copy") || "";
    function done(ok) {
      var old = btn.getAttribute("data-label") || btn.textContent;
      btn.setAttribute("data-label", old);
      btn.textContent = ok ? "Copied" : "Select and copy";
      window.setTimeout(function () { btn.textContent = old; }, 1500);
      if (!ok) {
        var code = btn.parentNode && btn.parentNode.querySelector("code");
        if (code) {
          var range = document.createRange();
          range.selectNodeContents(code);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
        }
      }
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(false); });
    } else {
      done(false);
    }
  }

  function openHelp() {
    var dialog = document.getElementById("keys-help");
    if (dialog && typeof dialog.showModal === "function" && !dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-action]") : null;
    if (!btn) { return; }
    var action = btn.getAttribute("data-action");
    if (action === "launch" || action === "stop") { ev.preventDefault(); runAction(btn); }
    else if (action === "copy") { copyText(btn); }
    else if (action === "help") { openHelp(); }
    else if (action === "notify") { askToNotify(btn); }
    else if (action === "clear-filters") { clearFilters(btn.closest("[data-live-list]")); }
  });

  // --- times ----------------------------------------------------------------------

  function relative(iso) {
    var then = Date.parse(iso);
    if (isNaN(then)) { return ""; }
    var seconds = (Date.now() - then) / 1000;
    if (seconds < 0) { return new Date(then).toLocaleString(); }
    if (seconds < 45) { return "just now"; }
    if (seconds < 3600) { return Math.max(1, Math.round(seconds / 60)) + " min ago"; }
    if (seconds < 86400) { return Math.round(seconds / 3600) + " h ago"; }
    var days = Math.round(seconds / 86400);
    if (days < 7) { return days + (days === 1 ? " day ago" : " days ago"); }
    return new Date(then).toLocaleDateString();
  }

  function refreshTimes(root) {
    var times = (root || document).querySelectorAll('time[data-role="relative-time"]');
    for (var i = 0; i < times.length; i++) {
      var t = times[i];
      var iso = t.getAttribute("datetime");
      var text = relative(iso);
      if (text) { t.textContent = text; }
      if (!t.getAttribute("data-utc")) { t.setAttribute("data-utc", t.getAttribute("title") || ""); }
      var local = new Date(Date.parse(iso));
      if (!isNaN(local.getTime())) {
        t.title = local.toLocaleString() + " (local) · " + t.getAttribute("data-utc");
      }
    }
  }

  function clock(seconds) {
    if (!(seconds >= 0)) { return ""; }
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? (m < 10 ? "0" + m : String(m)) : String(m);
    return (h ? h + ":" : "") + mm + ":" + (r < 10 ? "0" + r : r);
  }

  // --- the runs list: search, filter, sort, live ------------------------------------

  function listState() {
    var q = new URLSearchParams(window.location.search);
    return { q: q.get("q") || "", show: q.get("show") || "all", sort: q.get("sort") || "newest" };
  }

  function saveListState(state) {
    var q = new URLSearchParams(window.location.search);
    function set(name, value, dflt) { if (value && value !== dflt) { q.set(name, value); } else { q.delete(name); } }
    set("q", state.q, "");
    set("show", state.show, "all");
    set("sort", state.sort, "newest");
    var text = q.toString();
    window.history.replaceState(null, "", window.location.pathname + (text ? "?" + text : ""));
  }

  function rowMatches(row, state) {
    var show = state.show;
    if (show === "attention" && row.getAttribute("data-attention") !== "1") { return false; }
    if (show !== "all" && show !== "attention" && row.getAttribute("data-state") !== show) { return false; }
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    var hay = row.getAttribute("data-search") || "";
    for (var i = 0; i < terms.length; i++) { if (hay.indexOf(terms[i]) < 0) { return false; } }
    return true;
  }

  var SORTS = {
    newest: function (a, b) { return cmp(b.time, a.time) || cmp(a.index, b.index); },
    oldest: function (a, b) { return cmp(a.time, b.time) || cmp(b.index, a.index); },
    problems: function (a, b) { return cmp(b.problems, a.problems) || cmp(a.index, b.index); },
    name: function (a, b) { return a.id.localeCompare(b.id) || cmp(a.index, b.index); }
  };

  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

  function applyList(section) {
    var state = section._state;
    var tbody = section.querySelector('[data-role="runs-table"] tbody');
    if (!tbody) { return; }
    var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr[data-run-id]"));
    var items = rows.map(function (row, index) {
      var time = Date.parse(row.getAttribute("data-time") || "");
      return { row: row, index: index, id: row.getAttribute("data-run-id"), time: isNaN(time) ? 0 : time,
               problems: parseInt(row.getAttribute("data-problems") || "0", 10) || 0 };
    });
    items.sort(SORTS[state.sort] || SORTS.newest);
    var shown = 0;
    items.forEach(function (item) {
      var ok = rowMatches(item.row, state);
      item.row.hidden = !ok;
      if (ok) { shown++; }
      tbody.appendChild(item.row);
    });
    var buttons = section.querySelectorAll(".segmented [data-filter]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-filter") === state.show ? "true" : "false");
    }
    var status = section.querySelector('[data-role="shown"]');
    if (status) {
      status.textContent = shown === rows.length ? rows.length + (rows.length === 1 ? " run" : " runs")
        : "Showing " + shown + " of " + rows.length + " runs";
    }
    var none = section.querySelector('[data-role="no-match"]');
    if (none) { none.hidden = shown > 0; }
  }

  function clearFilters(section) {
    if (!section || !section._state) { return; }
    section._state.q = "";
    section._state.show = "all";
    var search = section.querySelector('[data-role="search"]');
    if (search) { search.value = ""; search.focus(); }
    saveListState(section._state);
    applyList(section);
  }

  function setupList(section) {
    var toolbar = section.querySelector('[data-role="runs-toolbar"]');
    if (!toolbar) { return; }
    toolbar.hidden = false;
    var state = section._state = listState();
    var search = toolbar.querySelector('[data-role="search"]');
    var sort = toolbar.querySelector('[data-role="sort"]');
    search.value = state.q;
    if (SORTS[state.sort]) { sort.value = state.sort; }
    search.addEventListener("input", function () { state.q = search.value; saveListState(state); applyList(section); });
    sort.addEventListener("change", function () { state.sort = sort.value; saveListState(state); applyList(section); });
    toolbar.addEventListener("click", function (ev) {
      var seg = ev.target.closest ? ev.target.closest("[data-filter]") : null;
      if (!seg) { return; }
      state.show = seg.getAttribute("data-filter");
      saveListState(state);
      applyList(section);
    });
    applyList(section);
  }

  function signature(section) {
    var rows = section.querySelectorAll("tr[data-run-id]");
    var parts = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var counts = r.querySelector(".counts");
      parts.push(r.getAttribute("data-run-id") + "|" + r.getAttribute("data-state") + "|" + (counts ? counts.textContent.replace(/\s+/g, " ") : ""));
    }
    return parts.sort().join("\n");
  }

  /* Fetch this very page again and take its rows: the server renders the words
     and colours, the page keeps the user's search, filter, sort and focus. */
  function liveList(sections) {
    function anyRunning() {
      return document.querySelector('[data-live-list] tr[data-state="running"]') !== null;
    }
    function schedule() { window.setTimeout(tick, anyRunning() ? LIST_LIVE_MS : LIST_IDLE_MS); }
    function tick() {
      if (document.visibilityState === "hidden" && !anyRunning()) { schedule(); return; }
      fetch(window.location.pathname, { cache: "no-store", credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.text() : null; })
        .then(function (html) {
          if (html) { mergeList(sections, new DOMParser().parseFromString(html, "text/html")); }
          schedule();
        }, schedule);
    }
    schedule();
  }

  function mergeList(sections, fresh) {
    var freshSections = fresh.querySelectorAll("[data-live-list]");
    sections.forEach(function (section, n) {
      var other = freshSections[n];
      if (!other || signature(section) === signature(other)) { return; }
      var active = document.activeElement;
      var activeRun = active && active.closest && active.closest("tr[data-run-id]");
      var runId = activeRun ? activeRun.getAttribute("data-run-id") : null;
      var oldBody = section.querySelector('[data-role="runs-table"] tbody');
      var newBody = other.querySelector('[data-role="runs-table"] tbody');
      if (!oldBody || !newBody) { return; }
      oldBody.replaceWith(document.importNode(newBody, true));
      var oldSeg = section.querySelector(".segmented");
      var newSeg = other.querySelector(".segmented");
      if (oldSeg && newSeg) { oldSeg.replaceWith(document.importNode(newSeg, true)); }
      refreshTimes(section);
      applyList(section);
      if (runId) {
        var again = section.querySelector('tr[data-run-id="' + CSS.escape(runId) + '"] a');
        if (again) { again.focus(); }
      }
    });
  }

  // --- agentv's colours in the log: text nodes and spans, never parsed HTML ----------------

  function AnsiLog(pre) {
    this.pre = pre;
    this.pending = "";
    this.style = {};
  }

  var SGR_SEQ = /\x1b\[([0-9;]*)([@-~])/g;

  AnsiLog.prototype.append = function (text) {
    if (!text) { return; }
    text = this.pending + text;
    this.pending = "";
    var cut = text.lastIndexOf("\x1b");
    if (cut >= 0 && text.length - cut < 24 && !/^\x1b\[[0-9;]*[@-~]/.test(text.slice(cut))) {
      this.pending = text.slice(cut);  // an escape split across two chunks
      text = text.slice(0, cut);
    }
    var frag = document.createDocumentFragment();
    var last = 0, m;
    SGR_SEQ.lastIndex = 0;
    while ((m = SGR_SEQ.exec(text)) !== null) {
      this.emit(frag, text.slice(last, m.index));
      if (m[2] === "m") { this.apply(m[1]); }
      last = SGR_SEQ.lastIndex;
    }
    this.emit(frag, text.slice(last));
    this.pre.appendChild(frag);
  };

  AnsiLog.prototype.emit = function (frag, text) {
    // Other escapes (cursor moves, titles) mean nothing in a log: drop their ESC.
    text = text.replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)?/g, "").replace(/\x1b/g, "");
    if (!text) { return; }
    var classes = this.classes();
    if (!classes) { frag.appendChild(document.createTextNode(text)); return; }
    var span = document.createElement("span");
    span.className = classes;
    span.textContent = text;
    frag.appendChild(span);
  };

  AnsiLog.prototype.classes = function () {
    var s = this.style, out = [];
    if (s.bold) { out.push("ansi-bold"); }
    if (s.dim) { out.push("ansi-dim"); }
    if (s.italic) { out.push("ansi-italic"); }
    if (s.underline) { out.push("ansi-underline"); }
    if (s.fg !== undefined) { out.push("ansi-fg-" + s.fg); }
    if (s.bg !== undefined) { out.push("ansi-bg-" + s.bg); }
    return out.join(" ");
  };

  AnsiLog.prototype.apply = function (params) {
    var codes = params === "" ? [0] : params.split(";").map(function (p) { return parseInt(p || "0", 10); });
    var s = this.style;
    for (var i = 0; i < codes.length; i++) {
      var c = codes[i];
      if (c === 0) { this.style = s = {}; }
      else if (c === 1) { s.bold = true; }
      else if (c === 2) { s.dim = true; }
      else if (c === 3) { s.italic = true; }
      else if (c === 4) { s.underline = true; }
      else if (c === 22) { s.bold = s.dim = false; }
      else if (c === 23) { s.italic = false; }
      else if (c === 24) { s.underline = false; }
      else if (c >= 30 && c <= 37) { s.fg = c - 30; }
      else if (c >= 90 && c <= 97) { s.fg = c - 90 + 8; }
      else if (c === 39) { delete s.fg; }
      else if (c >= 40 && c <= 47) { s.bg = c - 40; }
      else if (c >= 100 && c <= 107) { s.bg = c - 100; }
      else if (c === 49) { delete s.bg; }
      else if (c === 38 || c === 48) {
        // 256 colours: the first 16 map to classes; other shades and RGB are skipped.
        if (codes[i + 1] === 5) {
          var n = codes[i + 2];
          if (n >= 0 && n < 16) { if (c === 38) { s.fg = n; } else { s.bg = n % 8; } }
          i += 2;
        } else if (codes[i + 1] === 2) { i += 4; }
      }
    }
  };

  // --- the job page ------------------------------------------------------------------

  var notifyWanted = false;

  function askToNotify(btn) {
    if (!("Notification" in window)) { return; }
    Notification.requestPermission().then(function (permission) {
      notifyWanted = permission === "granted";
      btn.setAttribute("aria-pressed", notifyWanted ? "true" : "false");
      btn.textContent = notifyWanted ? "You will be notified when it ends"
        : "Notifications are blocked in this browser";
    });
  }

  function faviconFor(status, progress, tone) {
    tone = tone || word("job", status).tone;
    var colors = { good: "#1a7f37", bad: "#cf222e", idle: "#6e7781", live: "#0969da", warn: "#9a6700" };
    var c = colors[tone] || colors.idle;
    var mark;
    var ended = TERMINAL.indexOf(status) >= 0, own = word("job", status).tone;  // the job's own tone, from the server
    if (ended && own === "good" && tone !== "good") { mark = '<path d="M8 3.5v5.5M8 11.5v1.5" stroke="#fff" stroke-width="2"/>'; }
    else if (ended && own === "good") { mark = '<path d="M4.5 8.5l2.5 2.5 4.5-5" stroke="#fff" stroke-width="2" fill="none"/>'; }
    else if (ended && own === "bad") { mark = '<path d="M5 5l6 6M11 5l-6 6" stroke="#fff" stroke-width="2"/>'; }
    else if (ended) { mark = '<rect x="5" y="5" width="6" height="6" fill="#fff"/>'; }
    else {
      var done = progress && progress.planned ? Math.min(1, (progress.done || 0) / progress.planned) : 0;
      var angle = done * 2 * Math.PI, x = 8 + 5 * Math.sin(angle), y = 8 - 5 * Math.cos(angle);
      var arc = done >= 1 ? '<circle cx="8" cy="8" r="5" fill="#fff"/>'
        : '<path d="M8 8V3A5 5 0 ' + (done > 0.5 ? 1 : 0) + " 1 " + x.toFixed(2) + " " + y.toFixed(2) + 'z" fill="#fff"/>';
      mark = '<circle cx="8" cy="8" r="5" fill="none" stroke="#fff" stroke-opacity=".45" stroke-width="1.5"/>' + arc;
    }
    var svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="' + c + '"/>' + mark + "</svg>";
    return "data:image/svg+xml," + encodeURIComponent(svg);
  }

  function setFavicon(href) {
    var link = document.querySelector('link[data-role="favicon"]');
    if (link) { link.href = href; }
  }

  function followJob(root) {
    var statusUrl = root.getAttribute("data-status-url");
    var eventsUrl = root.getAttribute("data-events-url");
    var offset = parseInt(root.getAttribute("data-log-offset") || "0", 10) || 0;
    var log = root.querySelector('[data-testid="job-log"]');
    var badge = root.querySelector('[data-testid="job-status"]');
    var stop = root.querySelector('[data-testid="stop-run-button"]');
    var waiting = root.querySelector('[data-role="log-waiting"]');
    var elapsed = root.querySelector('[data-role="elapsed"]');
    var notify = root.querySelector('[data-action="notify"]');
    var baseTitle = document.title;
    var started = Date.parse(root.getAttribute("data-started") || "");
    var finished = Date.parse(root.getAttribute("data-finished") || "");
    var ansi = log ? new AnsiLog(log) : null;
    var ended = root.getAttribute("data-terminal") === "1";
    var current = badge ? badge.textContent.trim() : "";

    if (log && log.textContent.indexOf("\x1b") >= 0) {
      var text = log.textContent;
      log.textContent = "";
      ansi.append(text);
    }
    if (log) { log.scrollTop = log.scrollHeight; }
    if (notify && !ended && "Notification" in window) { notify.hidden = false; }

    function showTitle(status, progress, outcome) {
      var w = word("job", status);
      var tone = outcome && outcome.tone ? outcome.tone : w.tone;
      var prefix;
      if (TERMINAL.indexOf(status) >= 0) {
        // The mark says how the run stands, not just the exit code: "finished, 1 error left" is no ✓.
        var mark = w.tone === "bad" ? "✗ " : w.tone === "idle" ? "■ " : tone === "good" ? "✓ " : "! ";
        prefix = mark + w.label + (outcome && outcome.label && outcome.label !== "complete" ? " · " + outcome.label : "");
      } else if (progress && progress.planned) {
        prefix = "▶ " + (progress.done || 0) + "/" + progress.planned;
      } else {
        prefix = "… " + w.label;
      }
      document.title = prefix + " · " + baseTitle;
      setFavicon(faviconFor(status, progress, tone));
    }

    function tickElapsed() {
      if (!elapsed || isNaN(started)) { return; }
      var end = isNaN(finished) ? (ended ? NaN : Date.now()) : finished;
      if (!isNaN(end)) { elapsed.textContent = clock((end - started) / 1000); }
    }

    function apply(d) {
      if (!d) { return; }
      if (d.log && ansi) {
        var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
        ansi.append(d.log);
        if (atBottom) { log.scrollTop = log.scrollHeight; }
      }
      if (typeof d.log_offset === "number") { offset = d.log_offset; }
      if (waiting) { waiting.hidden = !!(log && log.textContent) || TERMINAL.indexOf(d.status) >= 0; }
      if (badge && d.status && d.status !== current) {
        current = d.status;
        var w = word("job", d.status);
        badge.textContent = d.status;
        badge.title = w.help;
        badge.className = badge.className.replace(/\bjob-[a-z_]+\b/, "job-" + d.status);
        // An ended job takes the colour of what it left (its outcome), not of its exit.
        setTone(badge, d.outcome && d.outcome.tone ? d.outcome.tone : w.tone);
      }
      setProgress(root, d.progress);
      if (d.started_at) { started = Date.parse(d.started_at); }
      if (d.finished_at) { finished = Date.parse(d.finished_at); }
      var fin = root.querySelector('[data-role="finished-at"]');
      if (fin && d.finished_at && !fin.querySelector("time")) {
        var t = document.createElement("time");
        t.setAttribute("datetime", d.finished_at);
        t.setAttribute("data-role", "relative-time");
        t.title = d.finished_at;
        fin.textContent = "";
        fin.appendChild(t);
        refreshTimes(fin);
      }
      var code = root.querySelector('[data-role="exit-code"]');
      if (code) { code.textContent = d.exit_code === null || d.exit_code === undefined ? "—" : String(d.exit_code); }
      if (d.run_url && !root.querySelector('[data-role="run-link"]')) {
        var buttons = root.querySelector(".actions .buttons");
        if (buttons) {
          var a = document.createElement("a");
          a.className = "btn secondary";
          a.href = d.run_url;
          a.setAttribute("data-role", "run-link");
          a.textContent = "Back to run " + d.run_id;
          buttons.appendChild(a);
        }
      }
      showTitle(d.status, d.progress, d.outcome);
      if (TERMINAL.indexOf(d.status) >= 0 && !ended) {
        ended = true;
        if (stop) { stop.hidden = true; }
        if (notify) { notify.hidden = true; }
        root.setAttribute("data-terminal", "1");
        tickElapsed();
        var bar = root.querySelector('[data-testid="job-progress"] progress');
        if (bar && !bar.hasAttribute("value")) { bar.max = 1; bar.value = 1; }  // no endless "working" animation
        // What the job did and what is left is drawn by the server: fetch the page once
        // more and take its outcome box (no reload: the log, its scroll and focus stay).
        if (d.conclusion && !document.querySelector('[data-testid="job-outcome"]')) {
          insertOutcome(root);
        }
        if (notifyWanted && "Notification" in window && Notification.permission === "granted") {
          try {
            new Notification("agentv job " + d.status, {
              body: (d.run_id ? "Run " + d.run_id + ": " : "") + (progressText(d.progress) || d.status),
              tag: "studio-resume-" + (d.id || "")
            });
          } catch (e) { /* some browsers only notify from a service worker */ }
        }
      }
    }

    var box = root.querySelector('[data-testid="job-outcome"]');
    var boxTone = box && /\btone-box-([a-z]+)\b/.exec(box.className);
    showTitle(current, null, boxTone ? { tone: boxTone[1] } : null);
    tickElapsed();
    if (ended) { return; }
    var clockTimer = window.setInterval(function () { tickElapsed(); if (ended) { window.clearInterval(clockTimer); } }, 1000);
    follow({ eventsUrl: eventsUrl, statusUrl: statusUrl, offset: function () { return offset; },
             withLog: true, onStatus: apply, isOver: function () { return ended; } });
  }

  function insertOutcome(root) {
    fetch(window.location.pathname, { cache: "no-store", credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.text() : null; })
      .then(function (html) {
        if (!html || root.querySelector('[data-testid="job-outcome"]')) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var box = fresh.querySelector('[data-testid="job-outcome"]');
        var anchor = root.querySelector('[data-testid="job-progress"]');
        if (!box || !anchor) { return; }
        anchor.parentNode.insertBefore(document.importNode(box, true), anchor);
        refreshTimes(root);
      }, function () { /* the page still shows the status; a reload shows the rest */ });
  }

  /* Server-sent events while the server offers them; the poll otherwise (no
     EventSource, the server's stream limit reached, a proxy that buffers). */
  function follow(opts) {
    var polling = false;
    function poll() {
      if (polling) { return; }
      polling = true;
      function tick() {
        if (opts.isOver()) { return; }
        var url = opts.statusUrl + (opts.withLog ? "?since=" + opts.offset() : "");
        getJson(url).then(function (d) {
          if (d) { opts.onStatus(d); }
          if (!opts.isOver()) { window.setTimeout(tick, d ? POLL_MS : 2 * POLL_MS); }
        }, function () { window.setTimeout(tick, 2 * POLL_MS); });
      }
      window.setTimeout(tick, POLL_MS);
    }
    if (!opts.eventsUrl || !window.EventSource) { poll(); return; }
    var source = new EventSource(opts.eventsUrl + (opts.withLog ? "?since=" + opts.offset() : ""));
    var failures = 0;
    source.addEventListener("status", function (ev) {
      failures = 0;
      var d = null;
      try { d = JSON.parse(ev.data); } catch (e) { d = null; }
      opts.onStatus(d);
      if (opts.isOver()) { source.close(); }
    });
    source.addEventListener("end", function () { source.close(); });
    source.onerror = function () {
      // The server ends each stream after a while and the browser reconnects on
      // its own (Last-Event-ID carries the log offset); a refusal (e.g. too many
      // streams) closes the source for good: poll instead.
      failures++;
      if (source.readyState === EventSource.CLOSED || failures > 3) {
        source.close();
        if (!opts.isOver()) { poll(); }
      }
    };
  }

  function progressText(p) {
    if (!p) { return ""; }
    var done = p.done || 0;
    if (p.planned) { return done + " / " + p.planned + " cases"; }
    return done + (done === 1 ? " case" : " cases") + " done";
  }

  function setProgress(root, p) {
    var bar = root.querySelector('[data-testid="job-progress"]');
    if (!bar || !p) { return; }
    var text = progressText(p);
    bar.setAttribute("aria-valuenow", String(p.done || 0));
    bar.setAttribute("aria-valuemax", String(p.planned || 0));
    bar.setAttribute("aria-valuetext", text);
    var native = bar.querySelector("progress");
    if (native && p.planned) {
      native.max = p.planned;
      native.value = p.done || 0;
    }
    var label = bar.querySelector('[data-role="progress-text"]');
    if (label) { label.textContent = text; }
  }

  /* The run page while a job works on it: keep its line fresh, reload at the end. */
  function followActive(panel) {
    var url = panel.getAttribute("data-status-url");
    if (!url) { return; }
    var over = false;
    var badge = panel.querySelector('[data-role="job-status"]');
    follow({
      eventsUrl: panel.getAttribute("data-events-url"), statusUrl: url, withLog: false,
      offset: function () { return 0; }, isOver: function () { return over; },
      onStatus: function (d) {
        if (!d) { return; }
        if (badge && d.status) {
          badge.textContent = d.status;
          badge.className = badge.className.replace(/\bjob-[a-z_]+\b/, "job-" + d.status);
          setTone(badge, word("job", d.status).tone);
        }
        var label = panel.querySelector('[data-role="progress-text"]');
        if (label) { label.textContent = progressText(d.progress); }
        if (TERMINAL.indexOf(d.status) >= 0 && !over) { over = true; window.location.reload(); }
      }
    });
  }

  // --- picking cases: "Rerun selected" ----------------------------------------------------

  /* A command line as spans that wrap between options, never inside one. */
  function renderCommand(code, command) {
    code.textContent = "";
    var words = command.match(/(?:[^\s'"]+|'[^']*'|"(?:[^"\\]|\\.)*")+/g) || [];
    var groups = [];
    words.forEach(function (w) {
      var last = groups[groups.length - 1];
      if (last && last.charAt(0) === "-" && last.indexOf(" ") < 0 && w.charAt(0) !== "-") {
        groups[groups.length - 1] = last + " " + w;
      } else {
        groups.push(w);
      }
    });
    groups.forEach(function (g, i) {
      if (i) { code.appendChild(document.createTextNode(" ")); }
      var span = document.createElement("span");
      span.className = "arg";
      span.textContent = g;
      code.appendChild(span);
    });
  }

  function setupSelection(panel) {
    var button = panel.querySelector('[data-testid="rerun-selected-button"]');
    var reason = panel.querySelector('[data-role="select-reason"]');
    var commandLine = panel.querySelector('[data-role="selected-command"]');
    var boxes = Array.prototype.slice.call(document.querySelectorAll('input[data-role="pick"]'));
    var baseBody;
    try { baseBody = JSON.parse(panel.getAttribute("data-body") || "null"); } catch (e) { baseBody = null; }
    if (!button || !baseBody) { return; }
    var storeKey = "studio-resume:picked:" + window.location.pathname;
    // test id -> cases its pick reruns; kept across the run's pages for this tab.
    var picked = {};
    try { picked = JSON.parse(window.sessionStorage.getItem(storeKey) || "{}") || {}; } catch (e) { picked = {}; }
    var previewTimer = 0, previewSeq = 0;

    function save() {
      try { window.sessionStorage.setItem(storeKey, JSON.stringify(picked)); } catch (e) { /* private mode */ }
    }

    function update() {
      var ids = Object.keys(picked).sort();
      var cases = ids.reduce(function (sum, id) { return sum + (picked[id] || 1); }, 0);
      boxes.forEach(function (box) { box.checked = Object.prototype.hasOwnProperty.call(picked, box.value); });
      button.firstChild.nodeValue = "Rerun selected — " + cases + (cases === 1 ? " case" : " cases");
      if (ids.length) {
        var body = JSON.parse(JSON.stringify(baseBody));
        body.test_ids = ids;
        button.setAttribute("data-body", JSON.stringify(body));
        button.removeAttribute("aria-disabled");
        reason.textContent = ids.length + (ids.length === 1 ? " test id picked" : " test ids picked") +
          " (on every target where it did not pass). ";
        var clear = document.createElement("button");
        clear.type = "button";
        clear.className = "btn link";
        clear.textContent = "Clear the picks";
        clear.addEventListener("click", function () { picked = {}; save(); update(); });
        reason.appendChild(clear);
        schedulePreview(body);
      } else {
        button.setAttribute("aria-disabled", "true");
        button.removeAttribute("data-body");
        reason.textContent = "Tick failed or errored cases in the table below to rerun just those.";
        commandLine.hidden = true;
      }
    }

    function schedulePreview(body) {
      window.clearTimeout(previewTimer);
      var seq = ++previewSeq;
      previewTimer = window.setTimeout(function () {
        post(panel.getAttribute("data-preview-url"), JSON.stringify(body)).then(function (r) {
          if (seq !== previewSeq) { return; }
          var code = commandLine.querySelector('[data-role="command"]');
          var copy = commandLine.querySelector('[data-action="copy"]');
          if (r.res.ok && r.data && r.data.command) {
            renderCommand(code, r.data.command);
            copy.setAttribute("data-copy", r.data.command);
            copy.hidden = false;
          } else {
            code.textContent = errorText(r.res, r.data);
            copy.hidden = true;
          }
          commandLine.hidden = false;
        }, function () { /* the launch itself will say what is wrong */ });
      }, 250);
    }

    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        if (box.checked) { picked[box.value] = parseInt(box.getAttribute("data-cases") || "1", 10) || 1; }
        else { delete picked[box.value]; }
        save();
        update();
      });
    });
    update();
  }

  // --- keyboard -------------------------------------------------------------------------

  var pendingG = 0;

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var target = ev.target;
    if (typing(target)) {
      if (ev.key === "Escape" && target.getAttribute("data-role") === "search") { target.blur(); }
      return;
    }
    var dialog = document.getElementById("keys-help");
    if (dialog && dialog.open) { return; }
    var now = Date.now();
    if (pendingG && now - pendingG < 1200 && (ev.key === "r" || ev.key === "j")) {
      pendingG = 0;
      var links = document.querySelectorAll(".mainnav a");
      var link = links[ev.key === "r" ? 0 : 1];
      if (link) { ev.preventDefault(); window.location.assign(link.href); }
      return;
    }
    pendingG = 0;
    if (ev.key === "/") {
      var search = document.querySelector('[data-role="search"]:not([hidden])');
      if (search && search.offsetParent !== null) { ev.preventDefault(); search.focus(); search.select(); }
    } else if (ev.key === "?") {
      ev.preventDefault();
      openHelp();
    } else if (ev.key === "r") {
      var resume = document.querySelector('[data-testid="resume-run-button"]');
      if (resume) { ev.preventDefault(); resume.focus(); resume.scrollIntoView({ block: "nearest" }); }
    } else if (ev.key === "g") {
      pendingG = now;
    }
  });

  // --- launch inputs: suite file(s) / targets the run's own files cannot tell (issue 11) ---

  function setupLaunchInputs(panel) {
    var scope = panel.closest(".actions") || document;
    var suite = panel.querySelector('[data-role="suite-field"]');
    var boxes = Array.prototype.slice.call(panel.querySelectorAll('input[data-role="target-choice"]'));
    var buttons = Array.prototype.slice.call(scope.querySelectorAll("button[data-draft]"));
    var note = panel.querySelector('[data-role="inputs-reason"]');

    function update() {
      var suiteValue = suite ? suite.value.trim() : "";
      var targets = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
      var missing = [];
      buttons.forEach(function (button) {
        var needs = (button.getAttribute("data-needs") || "").split(" ");
        var body;
        try { body = JSON.parse(button.getAttribute("data-draft")); } catch (e) { return; }
        var lacks = [];
        if (needs.indexOf("suite") >= 0) {
          if (suiteValue) { body.suite_filter = suiteValue; } else { lacks.push("give the suite file(s)"); }
        }
        if (needs.indexOf("targets") >= 0) {
          if (targets.length) { body.target = targets; } else { lacks.push("choose at least one target"); }
        }
        // The first "describedby" is the fields' note; the rest the server's reason.
        if (!button.hasAttribute("data-reason-ids")) {
          button.setAttribute("data-reason-ids", button.getAttribute("aria-describedby") || "");
        }
        if (lacks.length) {
          button.removeAttribute("data-body");
          button.setAttribute("aria-disabled", "true");
          button.setAttribute("aria-describedby", button.getAttribute("data-reason-ids"));
          missing = lacks;
        } else {
          // What the user gave is checked by the server like any request; a 400 shows below.
          button.setAttribute("data-body", JSON.stringify(body));
          button.removeAttribute("aria-disabled");
          button.removeAttribute("aria-describedby");
        }
      });
      if (note) {
        note.hidden = !missing.length;
        if (missing.length) { note.textContent = "Can't launch yet: " + missing.join(" and ") + " above."; }
      }
    }

    if (suite) { suite.addEventListener("input", update); }
    boxes.forEach(function (b) { b.addEventListener("change", update); });
    update();
  }

  // --- start ----------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    var help = document.querySelector('[data-action="help"]');
    if (help) { help.hidden = false; }
    refreshTimes(document);
    window.setInterval(function () { refreshTimes(document); }, 30000);
    var lists = Array.prototype.slice.call(document.querySelectorAll("[data-live-list]"));
    lists.forEach(setupList);
    if (lists.length) { liveList(lists); }
    var job = document.querySelector("section.job[data-status-url]");
    if (job) { followJob(job); }
    var panel = document.querySelector(".active-job[data-status-url]");
    if (panel) { followActive(panel); }
    var picking = document.querySelector('[data-role="rerun-selected"]');
    if (picking) { setupSelection(picking); }
    var inputs = document.querySelector('[data-role="launch-inputs"]');
    if (inputs) { setupLaunchInputs(inputs); }
  });
})();
