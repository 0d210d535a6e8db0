// The intake form (templates/cases/intake/form.html). Loaded as a static file:
// the CSP allows no inline script. Without script the form still works: its
// buttons save, add and remove people, and submit, through ordinary posts.
//
// - Autosave: a few seconds after a change, and when the page is left, the
//   form is posted to the draft's autosave URL with its revision. This is the
//   person's own work, so it counts as session activity: it never sends the
//   "X-Background-Poll" header. On the start page the first save creates the
//   draft, and the page becomes the draft's page.
// - A stale revision (the draft saved from another tab) stops autosaving and
//   shows the notice; everything typed stays on the page.
// - "Same person as" offers and the NIK check come from the server for one
//   person at a time; the values travel in the POST body, never in a URL.
// - The derived age and child flag follow the birth date, estimate and dates.
(function () {
  "use strict";

  var SAVE_DELAY_MS = 3000;
  var IDENTITY_FIELDS = /-(name|nik|phone|sex|birth_date)$/;
  var AGE_FIELDS = /-(birth_date|estimated_age|occurred_on|reported_at)$/;

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-intake]");
    if (!form || !window.fetch || !window.FormData) {
      return;
    }
    var statusBox = form.querySelector("[data-autosave-status]");
    var revisionInput = form.querySelector("[data-revision]");
    var staleNotice = form.querySelector("[data-stale-notice]");
    var discardLink = document.querySelector("[data-discard-link]");
    var urls = {
      start: form.getAttribute("data-start-url"),
      autosave: form.getAttribute("data-autosave-url"),
      matches: form.getAttribute("data-matches-url")
    };
    var text = function (name) {
      return form.getAttribute("data-text-" + name) || "";
    };
    var dirty = false;
    var stopped = false;
    var sent = false;
    var saving = null;
    var timer = null;
    // One request at a time: a save and a "same person" question never race
    // (the second would carry a revision or a draft the first is changing).
    var queue = Promise.resolve();

    function enqueue(task) {
      var run = queue.then(task, task);
      queue = run.catch(function () {});
      return run;
    }

    function csrfToken() {
      var input = form.querySelector("[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    function setStatus(message, kind) {
      statusBox.textContent = message;
      statusBox.classList.toggle("is-ok", kind === "ok");
      statusBox.classList.toggle("is-error", kind === "error");
    }

    function post(url, body, keepalive) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        keepalive: !!keepalive,
        headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
        body: body
      }).then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (data) {
            return { status: response.status, data: data };
          });
      });
    }

    // The start page becomes the new draft's page once the draft exists.
    function adopt(data) {
      urls.autosave = data.autosave;
      urls.matches = data.matches;
      form.setAttribute("action", data.draft);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", data.draft);
      }
      if (discardLink) {
        discardLink.setAttribute("href", data.discard);
        discardLink.hidden = false;
      }
    }

    function showStale(data) {
      stopped = true;
      staleNotice.hidden = false;
      if (data && data.message) {
        var box = staleNotice.querySelector("[data-stale-text]");
        if (box) {
          box.textContent = data.message;
        }
      }
      setStatus(data && data.message ? data.message : text("failed"), "error");
      staleNotice.scrollIntoView({ block: "center" });
    }

    function save(keepalive) {
      if (saving) {
        return saving.then(function () {
          return save(keepalive);
        });
      }
      if (stopped || !dirty) {
        return Promise.resolve();
      }
      window.clearTimeout(timer);
      timer = null;
      dirty = false;
      setStatus(text("saving"));
      var creating = !urls.autosave;
      saving = enqueue(function () {
        return post(creating ? urls.start : urls.autosave, new FormData(form), keepalive);
      })
        .then(function (result) {
          if (result.status === 200) {
            if (creating) {
              adopt(result.data);
            }
            revisionInput.value = result.data.revision;
            setStatus(result.data.message || "", "ok");
          } else if (result.status === 409) {
            if (result.data.case_url) {
              window.location.assign(result.data.case_url);
            }
            showStale(result.data);
          } else if (result.status === 401) {
            stopped = true;
            setStatus(text("signed-out"), "error");
          } else {
            dirty = true;
            setStatus(text("failed"), "error");
            schedule();
          }
        })
        .catch(function () {
          dirty = true;
          setStatus(text("failed"), "error");
          schedule();
        })
        .then(function () {
          saving = null;
        });
      return saving;
    }

    // At most one save every few seconds while typing goes on.
    function schedule() {
      if (!timer && !stopped) {
        timer = window.setTimeout(function () {
          timer = null;
          save(false);
        }, SAVE_DELAY_MS);
      }
    }

    function changed(event) {
      if (sent || stopped) {
        return;
      }
      dirty = true;
      setStatus(text("unsaved"));
      schedule();
      var name = (event.target && event.target.name) || "";
      if (AGE_FIELDS.test(name)) {
        updateAges();
      }
      if (/-name$/.test(name)) {
        updateLabel(event.target);
      }
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", function (event) {
      changed(event);
      var name = (event.target && event.target.name) || "";
      if (IDENTITY_FIELDS.test(name)) {
        var card = event.target.closest("[data-person]");
        if (card) {
          askMatches(card);
        }
      }
    });

    // Leaving the page (another link, closing the tab, the phone locking).
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden" && !sent) {
        save(true);
      }
    });
    window.addEventListener("pagehide", function () {
      if (!sent) {
        save(true);
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        sent = false;
      }
    });

    // A button press posts the whole form: wait for a save in flight (its
    // revision, or the draft it creates), then send it once.
    var bypass = false;
    form.addEventListener("submit", function (event) {
      if (bypass) {
        bypass = false;
        markSent();
        return;
      }
      if (sent) {
        event.preventDefault();
        return;
      }
      if (saving) {
        event.preventDefault();
        var submitter = event.submitter || null;
        saving.then(function () {
          resubmit(submitter);
        });
        return;
      }
      markSent();
    });

    function markSent() {
      sent = true;
      dirty = false;
      window.clearTimeout(timer);
    }

    function resubmit(submitter) {
      if (form.requestSubmit) {
        bypass = true;
        form.requestSubmit(submitter);
        return;
      }
      if (submitter && submitter.name) {
        var carrier = document.createElement("input");
        carrier.type = "hidden";
        carrier.name = submitter.name;
        carrier.value = submitter.value;
        form.appendChild(carrier);
        if (submitter.hasAttribute("formaction")) {
          form.setAttribute("action", submitter.getAttribute("formaction"));
        }
      }
      markSent();
      form.submit();
    }

    // --- "same person as" and the NIK check, for one person -------------------------

    function askMatches(card) {
      var key = card.getAttribute("data-person");
      var ready = urls.matches ? Promise.resolve() : save(false);
      ready.then(function () {
        if (!urls.matches) {
          return;
        }
        var body = new FormData(form);
        body.append("person", key);
        enqueue(function () {
          return post(urls.matches, body, false);
        })
          .then(function (result) {
            if (result.status !== 200) {
              return;
            }
            var matches = card.querySelector("[data-matches]");
            var nik = card.querySelector("[data-nik-feedback]");
            if (matches && typeof result.data.matches === "string") {
              matches.innerHTML = result.data.matches;
            }
            if (nik && typeof result.data.nik === "string") {
              nik.innerHTML = result.data.nik;
            }
          })
          .catch(function () {});
      });
    }

    // --- names in labels -----------------------------------------------------------------

    function updateLabel(input) {
      var card = input.closest("[data-person]");
      if (!card || !/-name$/.test(input.name)) {
        return;
      }
      var key = card.getAttribute("data-person");
      var name = input.value.trim();
      document.querySelectorAll('[data-person-label="' + key + '"]').forEach(function (label) {
        var title = label.getAttribute("data-title");
        label.textContent = name ? title + " · " + name : title;
      });
      form.querySelectorAll('select[name$="-given_by"] option[value="' + key + '"]').forEach(function (option) {
        var title = card.querySelector("[data-person-label]").getAttribute("data-title");
        option.textContent = name ? title + " · " + name : title;
      });
    }

    // --- age at the incident ----------------------------------------------------------------

    function fieldValue(suffix) {
      var input = form.querySelector('[name="incident-' + suffix + '"]');
      return input ? input.value : "";
    }

    function parseDay(value) {
      var match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value || "");
      return match ? { y: +match[1], m: +match[2], d: +match[3] } : null;
    }

    function ageOn(birth, day) {
      var years = day.y - birth.y;
      if (day.m < birth.m || (day.m === birth.m && day.d < birth.d)) {
        years -= 1;
      }
      return Math.max(years, 0);
    }

    function updateAges() {
      var day = parseDay(fieldValue("occurred_on")) || parseDay(fieldValue("reported_at"));
      form.querySelectorAll("[data-person]").forEach(function (card) {
        var key = card.getAttribute("data-person");
        var line = card.querySelector('[data-age-for="' + key + '"]');
        if (!line) {
          return;
        }
        var birthInput = card.querySelector('[name$="-birth_date"]');
        var estimateInput = card.querySelector('[name$="-estimated_age"]');
        var birth = parseDay(birthInput && birthInput.value);
        var age = null;
        if (birth && day) {
          age = ageOn(birth, day);
        } else if (estimateInput && /^\d{1,3}$/.test(estimateInput.value.trim())) {
          age = parseInt(estimateInput.value, 10);
        }
        line.textContent = "";
        if (age === null) {
          var missing = document.createElement("span");
          missing.className = "muted";
          missing.textContent = text("age-missing");
          line.appendChild(missing);
        } else {
          line.appendChild(document.createTextNode(text("age").replace("%(age)s", age) + " "));
          var badge = document.createElement("span");
          badge.className = age < 18 ? "badge badge--warn" : "badge";
          badge.textContent = age < 18 ? text("child") : text("adult");
          line.appendChild(badge);
        }
        var hint = form.querySelector('[data-child-hint="' + key + '"]');
        if (hint) {
          hint.hidden = !(age !== null && age < 18);
        }
      });
    }
  });
})();
