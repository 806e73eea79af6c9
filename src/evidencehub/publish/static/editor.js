// The page editor: live preview (served at /static/editor.js; citations: cite_complete.js).
// The page's Content-Security-Policy forbids inline scripts, so everything is wired here.
// Requests carry the form's CSRF token in the X-CSRF-Token header; answers are the hub's own
// rendering (the public page template), inserted as HTML.
(function () {
  "use strict";
  var form = document.getElementById("page-form");
  if (!form) { return; }
  var preview = document.getElementById("preview");
  var problems = document.getElementById("preview-problems");
  var token = form.querySelector("input[name=csrf_token]").value;
  var timer = null;
  var sent = 0;

  function showProblems(list) {
    problems.textContent = "";
    problems.hidden = list.length === 0;
    list.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      problems.appendChild(p);
    });
  }

  function refresh() {
    var number = ++sent;
    var data = new URLSearchParams(new FormData(form));
    fetch(form.dataset.previewUrl, {
      method: "POST",
      headers: {"X-CSRF-Token": token, "Accept": "application/json"},
      body: data,
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error("preview failed: " + response.status); }
      return response.json();
    }).then(function (answer) {
      if (number !== sent) { return; }  // a newer preview is on its way
      showProblems(answer.problems || []);
      if (!answer.problems || answer.problems.length === 0) {
        preview.innerHTML = answer.html;
        // The article's links are relative to the page's public address, as on the site.
        var base = window.location.origin + "/pages/";
        preview.querySelectorAll("a[href]").forEach(function (a) {
          var href = a.getAttribute("href");
          if (href.charAt(0) !== "#") { a.href = new URL(href, base).href; }
        });
      }
      preview.dataset.rendered = String(number);
    }).catch(function (error) {
      showProblems([String(error.message || error)]);
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 300);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
