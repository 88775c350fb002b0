// Site shell behaviour: search-box suggestions. Everything works without this script.
(function () {
  "use strict";
  if (!window.fetch) return;
  // Every search box that names an autocomplete URL (the header's, the search page's) gets suggestions.
  document.querySelectorAll("input[data-autocomplete-url]").forEach(function (input, index) {
    var url = input.getAttribute("data-autocomplete-url");
    var list = document.createElement("datalist");
    list.id = "search-suggestions-" + index;
    document.body.appendChild(list);
    input.setAttribute("list", list.id);
    var timer = null;
    var lastQuery = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      clearTimeout(timer);
      if (!q || q === lastQuery) return;
      timer = setTimeout(function () {
        lastQuery = q;
        fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
          .then(function (data) {
            list.textContent = "";
            (data.suggestions || []).slice(0, 8).forEach(function (s) {
              var option = document.createElement("option");
              option.value = typeof s === "string" ? s : s.text;
              list.appendChild(option);
            });
          })
          .catch(function () { /* suggestions are optional */ });
      }, 200);
    });
  });
  // Print buttons (the 三会一课 register): no inline handlers under the Content-Security-Policy.
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[open]").forEach(function (d) { d.removeAttribute("open"); });
  });
})();
