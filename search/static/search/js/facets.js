// Search filters: folded on a phone (results first), open beside the results on a wide screen.
(function () {
  "use strict";
  var fold = document.querySelector("[data-search-facets]");
  if (!fold || !window.matchMedia) return;
  var wide = window.matchMedia("(min-width: 48rem)");
  function apply() { fold.open = wide.matches; }
  apply();
  if (wide.addEventListener) wide.addEventListener("change", apply);
})();
