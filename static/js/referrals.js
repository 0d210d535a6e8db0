// Referral form: the override reason shows only when the emergency override
// is ticked (it stays in the page, and is sent, either way: nothing typed is lost).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("input[name=emergency_override]");
    var reason = document.querySelector("[data-override-reason]");
    if (!box || !reason) {
      return;
    }
    var textarea = reason.querySelector("textarea");
    function sync() {
      var keep = box.checked || (textarea && textarea.value.trim() !== "");
      reason.hidden = !keep;
    }
    box.addEventListener("change", sync);
    sync();
  });
})();
