/* Live progress of running synchronization jobs.
 *
 * Every element with data-progress-url polls that JSON endpoint (synclog:job_progress) and
 * fills its descendants marked data-field="<key>" (dotted keys reach into "counts"), formatted
 * by data-format ("number", "duration" or text). Polling stops when the job has finished; with
 * data-reload-on-finish the page reloads once to show the final message and errors.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var RETRY_MS = 10000;
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    if (seconds < 10) { return seconds.toFixed(1) + " s"; }
    var s = Math.round(seconds);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (s < 60) { return s + " s"; }
    if (s < 3600) { return Math.floor(s / 60) + " min " + pad(s % 60) + " s"; }
    return Math.floor(s / 3600) + " h " + pad(Math.floor((s % 3600) / 60)) + " min";
  }

  function lookup(data, path) {
    return path.split(".").reduce(function (value, key) {
      return value === null || value === undefined ? value : value[key];
    }, data);
  }

  function format(value, kind) {
    if (kind === "duration") { return duration(value); }
    if (value === null || value === undefined) { return kind === "number" ? "?" : "—"; }
    if (kind === "number" && typeof value === "number") { return numbers.format(value); }
    return String(value);
  }

  function render(container, data) {
    container.querySelectorAll("[data-field]").forEach(function (el) {
      el.textContent = format(lookup(data, el.dataset.field), el.dataset.format);
    });
    container.querySelectorAll("progress[data-progress-bar]").forEach(function (bar) {
      if (data.total) { bar.max = data.total; bar.value = data.processed; }
    });
  }

  function poll(container) {
    fetch(container.dataset.progressUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        render(container, data);
        if (data.running) {
          window.setTimeout(poll, POLL_MS, container);
        } else if (container.dataset.reloadOnFinish) {
          window.location.reload();
        }
      })
      .catch(function () {
        // A restart of the server or a dropped connection: try again, more slowly.
        window.setTimeout(poll, RETRY_MS, container);
      });
  }

  function start() {
    document.querySelectorAll("[data-progress-url]").forEach(function (container) {
      window.setTimeout(poll, POLL_MS, container);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
