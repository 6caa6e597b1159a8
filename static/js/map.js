// Progressive enhancement: shows the offers of the results page on a Leaflet map.
// The list stays the reference (and the only view without JavaScript); each marker links to
// the same offer page as the list.
(function () {
  "use strict";
  var box = document.getElementById("carte");
  if (!box || typeof L === "undefined") { return; }
  var points = [];
  document.querySelectorAll("[data-lat][data-lon]").forEach(function (card) {
    var lat = parseFloat(card.dataset.lat);
    var lon = parseFloat(card.dataset.lon);
    var link = card.querySelector("a[href]");
    if (isNaN(lat) || isNaN(lon) || !link) { return; }
    points.push({ lat: lat, lon: lon, title: link.textContent.trim(), href: link.getAttribute("href"),
                  place: card.dataset.place || "" });
  });
  if (points.length === 0) { return; }
  box.hidden = false;
  L.Icon.Default.imagePath = "/static/vendor/leaflet/images/";
  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  map.attributionControl.setPrefix("");
  L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
  var bounds = [];
  // Offers of one commune share a position: one marker lists them all.
  var byPlace = {};
  points.forEach(function (p) {
    var key = p.lat.toFixed(5) + "," + p.lon.toFixed(5);
    (byPlace[key] = byPlace[key] || []).push(p);
  });
  Object.keys(byPlace).forEach(function (key) {
    var group = byPlace[key];
    var first = group[0];
    var label = group.length === 1 ? first.title + " – " + first.place
                                   : group.length + " offres – " + first.place;
    var marker = L.marker([first.lat, first.lon], { title: label, alt: label, keyboard: true });
    var list = document.createElement("ul");
    list.className = "map-popup";
    group.forEach(function (p) {
      var item = document.createElement("li");
      var a = document.createElement("a");
      a.href = p.href;
      a.textContent = p.title;
      item.appendChild(a);
      list.appendChild(item);
    });
    var heading = document.createElement("p");
    heading.textContent = first.place;
    var content = document.createElement("div");
    content.appendChild(heading);
    content.appendChild(list);
    marker.bindPopup(content, { closeButton: true });
    marker.addTo(map);
    bounds.push([first.lat, first.lon]);
  });
  if (bounds.length === 1) {
    map.setView(bounds[0], 11);
  } else {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 12 });
  }
  // Leaflet's close button is a link whose text is a cross: give it a French name.
  map.on("popupopen", function (e) {
    var close = e.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) { close.setAttribute("aria-label", "Fermer"); close.title = "Fermer"; }
  });
})();
