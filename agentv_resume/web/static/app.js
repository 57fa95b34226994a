/* studio-resume: launch / stop buttons and the live job page. No build step. */
(function () {
  "use strict";

  var TERMINAL = ["finished", "failed", "stopped", "lost"];

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

  function onLaunch(btn, box) {
    var jobBase = (btn.closest("[data-job-base]") || btn).getAttribute("data-job-base") || "/jobs/";
    return post(btn.getAttribute("data-url"), btn.getAttribute("data-body") || "{}").then(function (r) {
      if (r.res.status === 202 && r.data && r.data.id) {
        window.location.assign(r.data.job_url || jobBase + encodeURIComponent(r.data.id));
        return true; // stay disabled while the browser navigates
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

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("button[data-action]") : null;
    if (!btn || btn.disabled) { return; }
    var scope = btn.closest(".actions") || document;
    var box = scope.querySelector('[data-role="action-error"]');
    hideAlert(box);
    btn.disabled = true;
    btn.setAttribute("aria-busy", "true");
    var action = btn.getAttribute("data-action") === "stop" ? onStop : onLaunch;
    function release() {
      btn.disabled = false;
      // Disabling the focused button dropped its focus; give it back to keyboard users.
      if (document.activeElement === document.body || !document.activeElement) { btn.focus(); }
    }
    action(btn, box).then(function (keepDisabled) {
      btn.removeAttribute("aria-busy");
      if (!keepDisabled) { release(); }
    }, function (err) {
      btn.removeAttribute("aria-busy");
      release();
      showAlert(box, "The server did not answer: " + (err && err.message ? err.message : err), null);
    });
  });

  function progressText(p) {
    if (!p) { return ""; }
    var done = p.done || 0;
    if (p.planned) { return done + " / " + p.planned + " cases"; }
    return done + (done === 1 ? " case" : " cases") + " done";
  }

  function setBadge(el, status) {
    if (!el || el.textContent === status) { return; }
    el.textContent = status;
    el.className = el.className.replace(/\bjob-[a-z_]+\b/, "job-" + status);
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

  function when(stamp) {
    if (!stamp) { return "—"; }
    var text = String(stamp).replace("T", " ");
    return text.slice(0, 19) + (/Z$/.test(text) ? " UTC" : "");
  }

  /* The job page: poll status with ?since= and append only new output. */
  function followJob(root) {
    var url = root.getAttribute("data-status-url");
    var offset = parseInt(root.getAttribute("data-log-offset") || "0", 10) || 0;
    var log = root.querySelector('[data-testid="job-log"]');
    var badge = root.querySelector('[data-testid="job-status"]');
    var stop = root.querySelector('[data-testid="stop-run-button"]');
    if (log) { log.scrollTop = log.scrollHeight; }
    if (root.getAttribute("data-terminal") === "1") { return; }

    function tick() {
      fetch(url + "?since=" + offset, { cache: "no-store", credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (d) {
          if (!d) { window.setTimeout(tick, 2000); return; }
          if (d.log && log) {
            var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
            log.appendChild(document.createTextNode(d.log));
            if (atBottom) { log.scrollTop = log.scrollHeight; }
          }
          if (typeof d.log_offset === "number") { offset = d.log_offset; }
          setBadge(badge, d.status);
          setProgress(root, d.progress);
          var fin = root.querySelector('[data-role="finished-at"]');
          if (fin) { fin.textContent = when(d.finished_at); }
          var code = root.querySelector('[data-role="exit-code"]');
          if (code) { code.textContent = d.exit_code === null || d.exit_code === undefined ? "—" : String(d.exit_code); }
          if (d.run_url && !root.querySelector('[data-role="run-link"]')) {
            var buttons = root.querySelector(".actions .buttons");
            if (buttons) {
              var a = document.createElement("a");
              a.className = "btn link";
              a.href = d.run_url;
              a.setAttribute("data-role", "run-link");
              a.textContent = "Back to run " + d.run_id;
              buttons.appendChild(a);
            }
          }
          if (TERMINAL.indexOf(d.status) >= 0) {
            if (stop) { stop.hidden = true; }
            root.setAttribute("data-terminal", "1");
            return;
          }
          window.setTimeout(tick, 1000);
        }, function () { window.setTimeout(tick, 2000); });
    }
    window.setTimeout(tick, 1000);
  }

  /* The run page while a job works on it: keep its line fresh, reload at the end. */
  function followActive(panel) {
    var url = panel.getAttribute("data-status-url");
    if (!url) { return; }
    function tick() {
      fetch(url, { cache: "no-store", credentials: "same-origin" })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (d) {
          if (d) {
            setBadge(panel.querySelector('[data-role="job-status"]'), d.status);
            var label = panel.querySelector('[data-role="progress-text"]');
            if (label) { label.textContent = progressText(d.progress); }
            if (TERMINAL.indexOf(d.status) >= 0) { window.location.reload(); return; }
          }
          window.setTimeout(tick, 2000);
        }, function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 2000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var job = document.querySelector("section.job[data-status-url]");
    if (job) { followJob(job); }
    var panel = document.querySelector(".active-job[data-status-url]");
    if (panel) { followActive(panel); }
  });
})();
