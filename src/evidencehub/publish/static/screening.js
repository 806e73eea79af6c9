// Screening by keyboard (evidencehub web app, /reviews/<slug>/screen).
// i, e, m press the Include, Exclude and Maybe buttons of the decision form; 1-9 pick the
// exclusion reason; u presses Undo. The form posts as it does without JavaScript (with its
// CSRF token); a key is ignored while typing in a text field, with a modifier held, or once
// a decision is on its way, so one key press is one decision.
(function () {
  "use strict";
  var sent = false;
  var buttons = { i: "decide-include", e: "decide-exclude", m: "decide-maybe", u: "undo" };

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "textarea" || (tag === "input" && target.type !== "checkbox" &&
      target.type !== "radio" && target.type !== "submit") || target.isContentEditable;
  }

  function pickReason(digit) {
    var select = document.getElementById("reason");
    if (!select) { return; }
    var index = parseInt(digit, 10);
    if (index >= 1 && index < select.options.length) {
      select.selectedIndex = index;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (sent || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    var key = event.key ? event.key.toLowerCase() : "";
    if (key >= "1" && key <= "9") {
      event.preventDefault();
      pickReason(key);
      return;
    }
    var id = buttons[key];
    var button = id ? document.getElementById(id) : null;
    if (!button) { return; }
    event.preventDefault();
    sent = true;
    button.click();
  });

  window.addEventListener("pageshow", function () { sent = false; });
}());
