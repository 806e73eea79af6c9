// Citation autocomplete in the page editor's body (served at /static/cite_complete.js).
//
// Typing the hub's citation opener "[@" (grade/claims.py CITATION_RE: "[@key]", "[@a; @b]")
// in the body opens a list of the library's studies under the caret, asked of
// GET /editor/cite?q= as the editor types the words after "@". ArrowDown/ArrowUp move,
// Enter or Tab insert the chosen study's key (and the closing "]" when missing), Escape
// closes, a click inserts. After "; @" inside the same bracket it completes the next key.
//
// The pattern is WAI-ARIA's "combobox with list autocomplete and automatic selection"
// (APG, Combobox pattern): the textarea is the combobox (aria-expanded, aria-controls,
// aria-activedescendant), the list a listbox of options; focus stays in the textarea. The
// roles are set here, so without JavaScript the body is a plain textarea. Server text is
// put in with textContent only. The caret's position is measured with a mirror <div>
// styled like the textarea (the technique of component/textarea-caret-position, MIT).
(function () {
  "use strict";
  var form = document.getElementById("page-form");
  var body = document.getElementById("f-body");
  var popup = document.getElementById("cite-popup");
  var list = document.getElementById("cite-list");
  var note = document.getElementById("cite-note");
  var live = document.getElementById("cite-live");
  if (!form || !body || !popup || !list || !note || !live) { return; }

  var KEY_REST = /^([a-z0-9_\-]*)\s*[\];]/;  // the rest of a key being edited (CITATION_RE)
  var LONGEST_QUERY = 80;           // past this, "[@" was not the start of a citation
  var timer = null;
  var asked = 0;                    // number of the newest request; older answers are dropped
  var matches = [];
  var active = -1;
  var dismissed = null;             // start of the citation Escape (or a choice) closed

  body.setAttribute("role", "combobox");
  body.setAttribute("aria-autocomplete", "list");
  body.setAttribute("aria-haspopup", "listbox");
  body.setAttribute("aria-controls", list.id);
  body.setAttribute("aria-expanded", "false");

  // The citation being typed at the caret, or null: the words after the last "@" of a "[@"
  // bracket still open on the caret's line. start..end is what a choice replaces.
  function citationAt(text, caret) {
    var line = text.slice(text.lastIndexOf("\n", caret - 1) + 1, caret);
    var open = line.lastIndexOf("[@");
    if (open < 0) { return null; }
    var inside = line.slice(open + 1);                 // "@a; @b…"
    if (/[\[\]]/.test(inside)) { return null; }        // closed (or a new bracket) before the caret
    var at = inside.lastIndexOf("@");
    if (at > 0 && !/;\s*$/.test(inside.slice(0, at))) { return null; }
    var part = inside.slice(at + 1);
    if (part.indexOf(";") >= 0 || part.length > LONGEST_QUERY) { return null; }
    var rest = text.slice(caret).match(KEY_REST);   // editing "[@ke|y]": replace all of it
    return {start: caret - part.length, end: caret + (rest ? rest[1].length : 0),
            query: part.trim()};
  }

  function optionId(i) { return "cite-option-" + i; }

  function announce(text) { live.textContent = text; }

  function setActive(i) {
    var options = list.children;
    if (active >= 0 && options[active]) { options[active].setAttribute("aria-selected", "false"); }
    active = i;
    if (i < 0 || !options[i]) {
      body.removeAttribute("aria-activedescendant");
      return;
    }
    options[i].setAttribute("aria-selected", "true");
    body.setAttribute("aria-activedescendant", optionId(i));
    options[i].scrollIntoView({block: "nearest"});
  }

  function close() {
    window.clearTimeout(timer);
    asked += 1;                       // an answer still on its way is not shown
    popup.hidden = true;
    body.setAttribute("aria-expanded", "false");
    setActive(-1);
    list.textContent = "";
    matches = [];
  }

  // Where the caret is, in pixels from the textarea's top left corner (inside its border).
  var MIRRORED = ["boxSizing", "width", "borderTopWidth", "borderRightWidth",
    "borderBottomWidth", "borderLeftWidth", "borderStyle", "paddingTop", "paddingRight",
    "paddingBottom", "paddingLeft", "fontStyle", "fontVariant", "fontWeight", "fontStretch",
    "fontSize", "lineHeight", "fontFamily", "textAlign", "textTransform", "textIndent",
    "letterSpacing", "wordSpacing", "tabSize"];

  function caretPoint(position) {
    var style = window.getComputedStyle(body);
    var mirror = document.createElement("div");
    MIRRORED.forEach(function (name) { mirror.style[name] = style[name]; });
    mirror.style.position = "absolute";
    mirror.style.visibility = "hidden";
    mirror.style.top = "0";
    mirror.style.left = "-9999px";
    mirror.style.whiteSpace = "pre-wrap";
    mirror.style.overflowWrap = "break-word";
    mirror.style.overflow = "hidden";
    mirror.textContent = body.value.slice(0, position);
    var marker = document.createElement("span");
    marker.textContent = body.value.slice(position) || ".";
    mirror.appendChild(marker);
    document.body.appendChild(mirror);
    var lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.3;
    var point = {top: marker.offsetTop - body.scrollTop + lineHeight,
                 left: marker.offsetLeft - body.scrollLeft};
    document.body.removeChild(mirror);
    return point;
  }

  function place(citation) {
    var point = caretPoint(citation.start);
    var top = body.offsetTop + Math.min(Math.max(point.top, 0), body.clientHeight);
    var room = body.offsetLeft + body.offsetWidth - popup.offsetWidth;
    popup.style.top = top + "px";
    popup.style.left = Math.max(body.offsetLeft, Math.min(body.offsetLeft + point.left, room)) + "px";
  }

  function open(citation) {
    popup.hidden = false;
    body.setAttribute("aria-expanded", "true");
    place(citation);
  }

  function describe(m) {
    var who = m.authors.length ? m.authors[0] + (m.authors.length > 1 ? " et al." : "") : m.label;
    return [who, m.year, m.journal, m.doi ? "doi:" + m.doi : null, m.pmid ? "PMID " + m.pmid : null]
      .filter(function (part) { return part !== null && part !== undefined && part !== ""; })
      .join(" · ");
  }

  function option(m, i) {
    var li = document.createElement("li");
    li.id = optionId(i);
    li.className = "cite-option";
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.dataset.key = m.key;
    var key = document.createElement("span");
    key.className = "cite-key";
    key.textContent = "@" + m.key;
    var title = document.createElement("span");
    title.className = "cite-title";
    title.textContent = m.title || m.label;
    var meta = document.createElement("span");
    meta.className = "cite-meta";
    meta.textContent = describe(m);
    li.appendChild(key);
    li.appendChild(title);
    li.appendChild(meta);
    // mousedown would move the focus out of the textarea (and close the list) before click
    li.addEventListener("mousedown", function (event) { event.preventDefault(); });
    li.addEventListener("click", function () { choose(i); });
    return li;
  }

  function show(citation, found) {
    matches = found;
    list.textContent = "";
    found.forEach(function (m, i) { list.appendChild(option(m, i)); });
    if (found.length === 0) {
      note.textContent = "No study in the library matches \u201c" + citation.query + "\u201d.";
    } else {
      note.textContent = "\u2191\u2193 choose \u00b7 Enter or Tab cite \u00b7 Esc close";
    }
    announce(found.length === 0 ? note.textContent
      : found.length + (found.length === 1 ? " study matches" : " studies match") +
        "; the first is selected, Enter cites it.");
    open(citation);
    setActive(found.length ? 0 : -1);
  }

  function ask(citation) {
    var number = ++asked;
    var url = form.dataset.citeUrl + "?q=" + encodeURIComponent(citation.query);
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (response.redirected || !response.ok) {
          throw new Error(response.redirected ? "sign in again to search the library"
                                              : "the library search failed (" + response.status + ")");
        }
        return response.json();
      })
      .then(function (found) {
        if (number !== asked) { return; }
        var now = citationAt(body.value, body.selectionStart);
        if (now === null || now.start !== citation.start) { return; }
        show(now, found);
      })
      .catch(function (error) {
        if (number !== asked) { return; }
        matches = [];
        list.textContent = "";
        note.textContent = String(error.message || error);
        announce(note.textContent);
        open(citation);
        setActive(-1);
      });
  }

  function update() {
    if (body.selectionStart !== body.selectionEnd) { close(); return; }
    var citation = citationAt(body.value, body.selectionStart);
    if (citation === null) { dismissed = null; close(); return; }
    if (dismissed === citation.start) { return; }
    if (!citation.query) {
      close();
      matches = [];
      note.textContent = "Type a title word, an author, a DOI or a PMID.";
      announce("Citation: " + note.textContent);
      open(citation);
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { ask(citation); }, 150);
  }

  function choose(i) {
    var m = matches[i];
    var citation = citationAt(body.value, body.selectionStart);
    close();
    if (!m || citation === null) { return; }
    var after = body.value.slice(citation.end);
    var closed = /^\s*[\];]/.test(after);
    body.focus();
    body.setRangeText(m.key + (closed ? "" : "]"), citation.start, citation.end, "end");
    if (after.charAt(0) === "]") {        // step over the bracket that closes this citation
      body.selectionStart = body.selectionEnd = body.selectionEnd + 1;
    }
    dismissed = citation.start;            // stay closed until another citation starts
    announce("Cited " + m.key + ".");
    // the form's own listener refreshes the live preview, as after typing (editor.js)
    body.dispatchEvent(new Event("input", {bubbles: true}));
  }

  body.addEventListener("input", update);
  body.addEventListener("click", update);
  // keys that move the caret: the citation under it may have changed (ArrowUp/ArrowDown
  // move the caret only when the list has no options to move through)
  body.addEventListener("keyup", function (event) {
    var vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
    if (["ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"].indexOf(event.key) >= 0 ||
        (vertical && (popup.hidden || matches.length === 0))) {
      update();
    }
  });
  body.addEventListener("blur", close);
  body.addEventListener("scroll", function () {
    if (!popup.hidden) {
      var citation = citationAt(body.value, body.selectionStart);
      if (citation) { place(citation); }
    }
  });
  body.addEventListener("keydown", function (event) {
    if (popup.hidden || event.altKey || event.ctrlKey || event.metaKey) { return; }
    var count = matches.length;
    if (event.key === "ArrowDown" && count) {
      event.preventDefault();
      setActive((active + 1) % count);
    } else if (event.key === "ArrowUp" && count) {
      event.preventDefault();
      setActive((active - 1 + count) % count);
    } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0 && !event.shiftKey) {
      event.preventDefault();
      choose(active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      var citation = citationAt(body.value, body.selectionStart);
      dismissed = citation ? citation.start : null;
      close();
      announce("Citation list closed.");
    }
  });
})();
