// Razão console: progressive enhancement only (every page works without it).
// Elements with data-job-progress poll that JSON every second and update their progress bar, state and
// count, until the job has finished.
(function () {
  "use strict";
  function follow(element) {
    var url = element.getAttribute("data-job-progress");
    function field(name) { return element.querySelector('[data-field="' + name + '"]'); }
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (!job) { return; }
          var state = field("state"), bar = field("bar"), count = field("count");
          if (state) { state.textContent = job.state; state.className = "badge " + job.state; }
          if (bar) { bar.value = job.percent === null ? (job.finished ? 100 : 0) : job.percent; }
          if (count) { count.textContent = job.processed + (job.total === null ? "" : " / " + job.total); }
          if (job.finished) { element.setAttribute("data-finished", ""); } else { setTimeout(tick, 1000); }
        })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var elements = document.querySelectorAll("[data-job-progress]:not([data-finished])");
    for (var i = 0; i < elements.length; i++) { follow(elements[i]); }
  });
})();
