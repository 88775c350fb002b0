// The assignment form's lesson search: the form lists only the newest lessons and those chosen; this
// box finds any other live lesson by its title and adds it to the list, ticked. Without this script
// the list (and choosing a whole series) still works.
(function () {
  "use strict";
  var root = document.querySelector("[data-lesson-picker]");
  if (!root || !window.fetch) return;
  var box = root.querySelector(".lesson-picker");
  var input = root.querySelector("input[type=search]");
  var results = root.querySelector(".lesson-picker__results");
  var status = root.querySelector(".lesson-picker__status");
  var list = root.querySelector("#id_lessons");
  box.hidden = false;
  var timer = null;
  var asked = 0;

  function checkbox(id) {
    return list.querySelector('input[name="lessons"][value="' + id + '"]');
  }

  function add(lesson) {
    var existing = checkbox(lesson.id);
    if (existing) {
      existing.checked = true;
    } else {
      var row = document.createElement("div");
      var label = document.createElement("label");
      var tick = document.createElement("input");
      tick.type = "checkbox";
      tick.name = "lessons";
      tick.value = String(lesson.id);
      tick.checked = true;
      label.appendChild(tick);
      label.appendChild(document.createTextNode(" " + lesson.title));
      row.appendChild(label);
      list.insertBefore(row, list.firstChild);
    }
    status.textContent = "已加入：" + lesson.title;
  }

  function show(items, query) {
    results.replaceChildren();
    if (!items.length) {
      status.textContent = "没有标题含“" + query + "”的已发布党课。";
      return;
    }
    status.textContent = "找到 " + items.length + " 讲" + (items.length >= 20 ? "（只列出最新的 20 讲，可输入更多词缩小范围）" : "") + "。";
    items.forEach(function (lesson) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button--light";
      button.textContent = "加入";
      button.setAttribute("aria-label", "加入 " + lesson.title);
      button.addEventListener("click", function () { add(lesson); });
      item.appendChild(button);
      item.appendChild(document.createTextNode(" " + lesson.title + (lesson.date ? "（" + lesson.date + "）" : "")));
      results.appendChild(item);
    });
  }

  function search() {
    var query = input.value.trim();
    if (!query) { results.replaceChildren(); status.textContent = ""; return; }
    var ticket = ++asked;
    fetch(root.dataset.searchUrl + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { if (ticket === asked) show(data.results, query); })
      .catch(function () { if (ticket === asked) status.textContent = "搜索失败，请稍后再试。"; });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  // Enter in the box searches at once instead of submitting the form.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); search(); }
  });
})();
