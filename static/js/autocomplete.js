// Progressive enhancement: fills a <datalist> from the referential API while typing.
// Without JavaScript the plain field still works (the server resolves names and postal codes).
(function () {
  "use strict";
  document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var q = input.value.trim();
      if (q.length < 2 || q === last) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        last = q;
        fetch(input.dataset.autocomplete + "?limit=10&q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            list.replaceChildren();
            items.forEach(function (item) {
              var option = document.createElement("option");
              if (item.insee_code) {
                var postal = (item.postal_codes || "").split(" ")[0];
                option.value = item.name + " (" + postal + ")";
              } else {
                option.value = item.label;
              }
              list.appendChild(option);
            });
          })
          .catch(function () { /* the plain field keeps working */ });
      }, 200);
    });
  });
})();
