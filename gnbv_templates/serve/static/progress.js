// Polls a running job and reloads the page when it is done; without scripts a meta refresh does the same.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var job = box.getAttribute("data-job");
  var template = document.currentScript.getAttribute("data-running");
  var bar = document.getElementById("progress-bar");
  var label = document.getElementById("progress-text");
  function tick() {
    fetch("/api/jobs/" + encodeURIComponent(job), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state !== "running") { window.location.reload(); return; }
        bar.max = Math.max(s.total, 1);
        bar.value = s.done;
        label.textContent = template.replace("{done}", s.done).replace("{total}", s.total);
        setTimeout(tick, 500);
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 300);
})();
