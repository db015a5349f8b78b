// The port-in page's FOC countdown: <span data-countdown="ISO time"> shows the time left,
// updated every minute (no inline script: the Content-Security-Policy forbids it).
(function () {
  "use strict";

  function render(element) {
    var target = Date.parse(element.getAttribute("data-countdown"));
    if (isNaN(target)) {
      return;
    }
    var minutes = Math.max(0, Math.floor((target - Date.now()) / 60000));
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) {
      parts.push(days + (days === 1 ? " day" : " days"));
    }
    if (hours || days) {
      parts.push(hours + (hours === 1 ? " hour" : " hours"));
    }
    parts.push((minutes % 60) + " min");
    element.textContent = minutes ? "in " + parts.join(" ") : "now";
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(render);
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    window.setInterval(tick, 60000);
  });
})();
