// The idle-session warning. Loaded as a static file (CSP: self only).
//
// The server ends a session after SESSION_IDLE_SECONDS without activity. Every
// request counts as activity except background polls, which send the header
// "X-Background-Poll: 1" — as this script's own status checks do, so that
// watching the clock never keeps a session alive.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-session-warning]");
    if (!box || !window.fetch) {
      return;
    }
    var warningSeconds = parseInt(box.getAttribute("data-warning-seconds"), 10) || 120;
    var statusUrl = box.getAttribute("data-status-url");
    var loginUrl = box.getAttribute("data-login-url");
    var countdown = box.querySelector("[data-session-countdown]");
    var keepalive = box.querySelector("[data-session-keepalive]");
    var deadline = Date.now() + (parseInt(box.getAttribute("data-seconds-left"), 10) || 0) * 1000;
    var checking = false;

    function format(seconds) {
      var minutes = Math.floor(seconds / 60);
      var rest = seconds % 60;
      return minutes + ":" + (rest < 10 ? "0" : "") + rest;
    }

    function signedOut() {
      var next = window.location.pathname + window.location.search;
      window.location.assign(loginUrl + "&next=" + encodeURIComponent(next));
    }

    // Another tab may have kept the session alive: ask the server before warning.
    function check() {
      if (checking) {
        return;
      }
      checking = true;
      fetch(statusUrl, {
        credentials: "same-origin",
        headers: { "X-Background-Poll": "1", "Accept": "application/json" }
      })
        .then(function (response) {
          if (response.status === 401) {
            signedOut();
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && typeof data.seconds_left === "number") {
            deadline = Date.now() + data.seconds_left * 1000;
          }
        })
        .catch(function () {})
        .then(function () {
          checking = false;
        });
    }

    function tick() {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (left <= 0) {
        signedOut();
        return;
      }
      if (left <= warningSeconds) {
        if (box.hidden) {
          box.hidden = false;
          check();
        }
        countdown.textContent = format(left);
      } else {
        box.hidden = true;
      }
      if (left <= warningSeconds + 15 && left % 15 === 0) {
        check();
      }
    }

    if (keepalive) {
      keepalive.addEventListener("submit", function (event) {
        event.preventDefault();
        var token = keepalive.querySelector("[name=csrfmiddlewaretoken]").value;
        fetch(keepalive.action, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": token, "Accept": "application/json" }
        })
          .then(function (response) {
            return response.ok ? response.json() : null;
          })
          .then(function (data) {
            if (data && typeof data.seconds_left === "number") {
              deadline = Date.now() + data.seconds_left * 1000;
              box.hidden = true;
            } else {
              signedOut();
            }
          })
          .catch(function () {
            keepalive.submit();
          });
      });
    }

    window.setInterval(tick, 1000);
    tick();
  });
})();
