// The support desk's little script: the work page's presence heartbeat. Every page works
// without it; it only tells an agent who else has the request open
// (helpdesk/requests/presence.py), once on arrival and then every minute.
(function () {
  "use strict";

  function startPresence(box) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var beat = Math.max(parseInt(box.dataset.beat, 10) || 60, 15) * 1000;

    function tell() {
      if (document.hidden) {
        return;
      }
      fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": token ? token.value : "", "Accept": "application/json"}
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (answer) {
          box.textContent = answer.text || "";
        }
      }).catch(function () {
        // A missed beat is not worth an error: the next one tries again.
      });
    }

    tell();
    window.setInterval(tell, beat);
    document.addEventListener("visibilitychange", tell);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("desk-presence");
    if (box && box.dataset.url) {
      startPresence(box);
    }
  });
})();
