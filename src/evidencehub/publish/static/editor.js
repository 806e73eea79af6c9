// The page editor: live preview and citation search (served at /static/editor.js).
// The page's Content-Security-Policy forbids inline scripts, so everything is wired here.
// Requests carry the form's CSRF token in the X-CSRF-Token header; answers are the hub's own
// rendering (the public page template), inserted as HTML; citation results are built as text.
(function () {
  "use strict";
  var form = document.getElementById("page-form");
  if (!form) { return; }
  var preview = document.getElementById("preview");
  var problems = document.getElementById("preview-problems");
  var body = document.getElementById("f-body");
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

  // Citation search: typing in the search box lists matching studies; choosing one inserts
  // its [@key] at the cursor in the body.
  var search = document.getElementById("cite-q");
  var results = document.getElementById("cite-results");
  var searchTimer = null;

  function insert(markup) {
    var start = body.selectionStart, end = body.selectionEnd;
    body.value = body.value.slice(0, start) + markup + body.value.slice(end);
    body.selectionStart = body.selectionEnd = start + markup.length;
    body.focus();
    later();
  }

  function lookUp() {
    var q = search.value.trim();
    results.textContent = "";
    if (!q) { return; }
    fetch(form.dataset.citeUrl + "?q=" + encodeURIComponent(q), {
      headers: {"Accept": "application/json"}, credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (matches) {
      results.textContent = "";
      matches.forEach(function (m) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "cite-pick";
        button.dataset.markup = m.markup;
        button.textContent = m.markup;
        button.addEventListener("click", function () { insert(m.markup); });
        var text = document.createElement("span");
        text.textContent = " " + m.label + (m.year ? " (" + m.year + ")" : "") +
          (m.title ? " — " + m.title : "") + (m.doi ? " · doi:" + m.doi : "");
        li.appendChild(button);
        li.appendChild(text);
        results.appendChild(li);
      });
      if (matches.length === 0) {
        var none = document.createElement("li");
        none.textContent = "No study matches.";
        results.appendChild(none);
      }
    });
  }

  if (search) {
    search.addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(lookUp, 200);
    });
  }
})();
