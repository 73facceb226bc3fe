// ニュース検索: completions for the search box from /api/suggest.
// No inline scripts (the CSP allows only this file); text is set with
// textContent, never as HTML.
(function () {
  "use strict";

  var KIND_LABELS = {
    person: "人物", place: "地名", org: "組織", tags: "タグ",
    category: "カテゴリ", title: "見出し語", text: "キーワード", body: "キーワード"
  };

  function lastToken(value) {
    var m = /(^|[\s\u3000])([^\s\u3000]*)$/.exec(value);
    return m ? m[2] : "";
  }

  function setup(input) {
    var list = document.getElementById(input.getAttribute("aria-controls"));
    if (!list) return;
    var form = input.form;
    var items = [];
    var selected = -1;
    var timer = null;
    var controller = null;
    var composing = false;

    function hide() {
      list.hidden = true;
      list.textContent = "";
      items = [];
      selected = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      selected = index;
      Array.prototype.forEach.call(list.children, function (li, i) {
        li.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function apply(item) {
      var value = input.value;
      var token = lastToken(value);
      input.value = value.slice(0, value.length - token.length) + item.query;
      hide();
      if (form) form.submit();
    }

    function render(suggestions) {
      list.textContent = "";
      items = suggestions;
      selected = -1;
      if (!suggestions.length) { hide(); return; }
      suggestions.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = "suggestion-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var text = document.createElement("span");
        text.className = "text";
        text.textContent = s.text;
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = (KIND_LABELS[s.kind] || s.kind) + " · " + s.count.toLocaleString("ja-JP") + "件";
        li.appendChild(text);
        li.appendChild(kind);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); apply(s); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function fetchSuggestions() {
      if (composing) return;
      var token = lastToken(input.value);
      if (!token) { hide(); return; }
      if (controller) controller.abort();
      controller = typeof AbortController === "function" ? new AbortController() : null;
      var url = "/api/suggest?limit=8&q=" + encodeURIComponent(token);
      fetch(url, { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (lastToken(input.value) === token && document.activeElement === input) render(data.suggestions || []);
        })
        .catch(function () { /* aborted or offline: no completions */ });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 120);
    }

    // While an input method composes (かな before conversion to 漢字), the
    // text is not what the user means yet: no request until it is committed.
    input.addEventListener("compositionstart", function () {
      composing = true;
      clearTimeout(timer);
      if (controller) controller.abort();
      hide();
    });
    input.addEventListener("compositionend", function () {
      composing = false;
      schedule();  // browsers differ on whether an input event follows
    });
    input.addEventListener("input", function (e) {
      if (composing || e.isComposing) return;
      schedule();
    });
    input.addEventListener("keydown", function (e) {
      if (composing || e.isComposing || list.hidden) return;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight((selected + 1) % items.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(selected <= 0 ? items.length - 1 : selected - 1);
      } else if (e.key === "Enter" && selected >= 0) {
        e.preventDefault();
        apply(items[selected]);
      } else if (e.key === "Escape") {
        hide();
      }
    });
    input.addEventListener("blur", function () { setTimeout(hide, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("q");
    if (input) setup(input);
  });
})();
