/* Keeps a page that shows running work current.
 *
 * An element with data-live-url polls that JSON endpoint ({"running": bool, "signature": str})
 * while it carries data-live-running. When the signature differs from data-live-signature
 * (a job started or ended, a line changed state) the page reloads to show it; the counters of
 * running jobs are updated in between by job-progress.js.
 */
(function () {
  "use strict";

  var POLL_MS = 2000;
  var RETRY_MS = 10000;

  function poll(container) {
    fetch(container.dataset.liveUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        if (data.signature !== container.dataset.liveSignature) {
          window.location.reload();
        } else if (data.running) {
          window.setTimeout(poll, POLL_MS, container);
        }
      })
      .catch(function () {
        window.setTimeout(poll, RETRY_MS, container);
      });
  }

  function start() {
    document.querySelectorAll("[data-live-url][data-live-running]").forEach(function (el) {
      window.setTimeout(poll, POLL_MS, el);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
