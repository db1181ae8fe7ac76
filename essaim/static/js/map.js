/* Essaim maps: the atlas map (clusters computed by the server for each view) and the small map
   of an organisation page. The basemap is vendored country outlines unless a deployer set tiles. */
(function () {
  "use strict";

  var LAND = { color: "#8a8a8a", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 };
  var HIDDEN = { opacity: 0, fillOpacity: 0 };

  // From zoom 6, the countries in view are drawn from their own files (Natural Earth 10 m:
  // land and coast, region outlines, rivers and lakes) instead of the world's outlines.
  function detailedBasemap(map, element, world) {
    var loaded = {}, index = null, detailed = {};
    var files = JSON.parse(element.dataset.basemapFiles);
    var pane = map.createPane("detail");
    pane.style.zIndex = 250;
    pane.style.pointerEvents = "none";
    function styleOf(feature) {
      var kind = feature.properties.kind;
      if (kind === "river") { return { color: "#7fa7c9", weight: 1.2, fill: false }; }
      if (kind === "lake") { return { color: "#7fa7c9", weight: 0.8, fillColor: "#dfeaf2", fillOpacity: 1 }; }
      if (kind === "region") { return { color: "#8f7fa8", weight: 1, dashArray: "4 3", fill: false }; }
      return LAND;
    }
    function restyleWorld() {
      var zoomed = map.getZoom() >= 6;
      world.eachLayer(function (layer) {
        var id = Number(layer.feature.id);
        layer.setStyle(zoomed && detailed[id] ? HIDDEN : LAND);
      });
    }
    function show() {
      if (!index) { return; }
      restyleWorld();
      if (map.getZoom() < 6) { return; }
      var view = map.getBounds();
      Object.keys(index).forEach(function (country) {
        if (loaded[country]) { return; }
        var seen = index[country].boxes.some(function (b) {
          return view.intersects(L.latLngBounds([b[1], b[0]], [b[3], b[2]]));
        });
        if (!seen) { return; }
        loaded[country] = true;
        fetch(files[country])
          .then(function (response) { return response.json(); })
          .then(function (data) {
            L.geoJSON(data, { interactive: false, pane: "detail", style: styleOf }).addTo(map);
          });
      });
    }
    fetch(element.dataset.basemapIndex)
      .then(function (response) { return response.json(); })
      .then(function (data) {
        index = data;
        Object.keys(index).forEach(function (country) {
          if (index[country].whole) { detailed[index[country].numeric] = true; }
        });
        show();
      });
    map.on("zoomend moveend", show);
  }

  function addBasemap(map, element) {
    var tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 19 }).addTo(map);
      return;
    }
    if (element.dataset.pmtiles && window.protomapsL) {
      protomapsL.leafletLayer({
        url: element.dataset.pmtiles, flavor: "light", lang: document.documentElement.lang,
        attribution: element.dataset.attribution || ""
      }).addTo(map);
      return;
    }
    map.attributionControl.addAttribution("Natural Earth");
    var pane = map.createPane("world");
    pane.style.zIndex = 200;
    pane.style.pointerEvents = "none";
    fetch(element.dataset.basemap)
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var world = L.geoJSON(data, { interactive: false, pane: "world", style: LAND }).addTo(map);
        if (element.dataset.basemapIndex) { detailedBasemap(map, element, world); }
      });
  }

  function makeMap(element, options) {
    var map = L.map(element, Object.assign({ worldCopyJump: true, maxZoom: 18 }, options));
    map.getContainer().style.background = "#dfeaf2";
    addBasemap(map, element);
    return map;
  }

  // A count estimated from a sample (views of hundreds of thousands) is shown rounded to two
  // significant digits, after "≈".
  function roughly(count) {
    var unit = Math.pow(10, Math.max(0, String(count).length - 2));
    return Math.round(count / unit) * unit;
  }

  function shownCount(count, estimated) {
    var number = (estimated ? roughly(count) : count).toLocaleString(document.documentElement.lang || undefined);
    return (estimated ? "≈" : "") + number;
  }

  function clusterIcon(count, samePlace, estimated) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 44 : 52;
    var number = estimated ? roughly(count) : count;
    var shown = number >= 10000 ? Math.round(number / 1000) + "k" : String(number);
    return L.divIcon({
      className: "cluster" + (samePlace ? " same-place" : ""),
      html: "<span>" + (estimated ? "≈" : "") + shown + "</span>",
      iconSize: [size, size]
    });
  }

  var CIRCLE = "M5,.4A4.6,4.6 0 1 1 4.99,.4Z";

  // A sector's mark: its colour and its shape (never colour alone).
  function dotIcon(color, mark) {
    return L.divIcon({
      className: "org-dot",
      html: '<svg viewBox="0 0 10 10" width="20" height="20" aria-hidden="true"><path d="' + (mark || CIRCLE) +
        '" fill="' + color + '" stroke="#fff" stroke-width="1"/></svg>',
      iconSize: [20, 20]
    });
  }

  function text(tag, content, attributes) {
    var node = document.createElement(tag);
    if (content) { node.textContent = content; }
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  function sectorsOfLegend() {
    var sectors = {};
    document.querySelectorAll("#legend [data-sector]").forEach(function (item) {
      sectors[item.dataset.sector] = {
        color: item.dataset.color, mark: item.dataset.mark, label: item.querySelector("span").textContent
      };
    });
    return sectors;
  }

  // Town names on the offline basemap, fewer the wider the view (from Essaim's gazetteer).
  function townLayer(map, element) {
    var layer = L.layerGroup().addTo(map), controller = null;
    return function (bbox) {
      if (controller) { controller.abort(); }
      controller = new AbortController();
      fetch(element.dataset.places + "?bbox=" + bbox + "&zoom=" + map.getZoom(), { signal: controller.signal })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          data.places.forEach(function (town) {
            L.marker([town.latitude, town.longitude], {
              icon: L.divIcon({ className: "town" + (town.population >= 200000 ? " city" : ""), html: "", iconSize: null }),
              interactive: false, keyboard: false, zIndexOffset: -1000
            }).addTo(layer).getElement().textContent = town.name;
          });
        })
        .catch(function (error) { if (error.name !== "AbortError") { throw error; } });
    };
  }

  function atlasMap(element) {
    var centre = element.dataset.centre ? element.dataset.centre.split(",").map(Number) : null;
    var map = makeMap(element, {});
    var sectors = sectorsOfLegend();
    var filters = element.dataset.filters;
    var fit = element.dataset.fit === "1" && !centre;
    map.getContainer().setAttribute("aria-label", element.dataset.label);
    if (centre) { map.setView([centre[0], centre[1]], centre[2] || 11); } else { map.setView([47, 2], 4); }
    var layer = L.layerGroup().addTo(map);
    var towns = element.dataset.tiles || element.dataset.pmtiles ? null : townLayer(map, element);
    if (towns) { map.attributionControl.addAttribution("GeoNames"); }
    var link = document.getElementById("in-view-link");
    var controller = null;
    var linkText = link ? link.textContent : "";
    var lang = document.documentElement.lang;

    function openCard(marker, nodes) {
      var card = text("div", "", { "class": "map-card" });
      nodes.forEach(function (node) { card.appendChild(node); });
      marker.bindPopup(card, { autoPan: true }).openPopup();
      var first = card.querySelector("a");
      if (first) { first.focus(); }
    }

    function organisationCard(marker, p) {
      var sector = sectors[p.sector];
      var title = text("p", "", { "class": "name" });
      title.appendChild(text("a", p.name, { href: p.url, dir: "auto" }));
      var nodes = [title];
      var meta = [sector ? sector.label : "", p.locality || ""].filter(Boolean).join(" · ");
      if (meta) { nodes.push(text("p", meta, { "class": "meta" })); }
      if (p.approximate) { nodes.push(text("p", element.dataset.approximate, { "class": "meta" })); }
      openCard(marker, nodes);
    }

    // Organisations sharing one address: zooming in would never split them, so list them.
    function samePlaceCard(marker, c, p) {
      var d = 0.0001;
      var box = [c[0] - d, c[1] - d, c[0] + d, c[1] + d].map(function (v) { return v.toFixed(5); }).join(",");
      var query = "bbox=" + box + "&page_size=50&sort=name&lang=" + lang + (filters ? "&" + filters : "");
      fetch(element.dataset.organisations + "?" + query)
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var list = text("ul");
          data.results.forEach(function (org) {
            var item = text("li");
            item.appendChild(text("a", org.name, { href: org.url, dir: "auto" }));
            list.appendChild(item);
          });
          var nodes = [text("p", data.count + " " + element.dataset.here, { "class": "name" }), list];
          if (data.count > data.results.length) {
            nodes.push(text("a", element.dataset.more, {
              href: element.dataset.list + "?" + (filters ? filters + "&" : "") + "bbox=" + box
            }));
          }
          openCard(marker, nodes);
        });
    }

    function refresh() {
      var b = map.getBounds();
      var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
      var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
      var bbox = [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(",");
      var query = "bbox=" + bbox + "&zoom=" + map.getZoom() + "&lang=" + lang + (filters ? "&" + filters : "");
      if (towns) { towns(bbox); }
      if (controller) { controller.abort(); }
      controller = new AbortController();
      var mine = controller;
      // Assistive technologies (and the browser tests) know the points are on their way.
      element.setAttribute("aria-busy", "true");
      fetch(element.dataset.clusters + "?" + query, { signal: controller.signal })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          layer.clearLayers();
          var points = [];
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates, p = feature.properties;
            var marker, activate;
            points.push([c[1], c[0]]);
            if (p.id) {
              var sector = sectors[p.sector] || {};
              marker = L.marker([c[1], c[0]], { icon: dotIcon(p.color || "#595959", sector.mark), title: p.name, alt: p.name });
              activate = function () { organisationCard(marker, p); };
            } else if (p.same_place) {
              marker = L.marker([c[1], c[0]], { icon: clusterIcon(p.count, true, p.estimated), title: shownCount(p.count, p.estimated) + " " + element.dataset.here });
              activate = function () { samePlaceCard(marker, c, p); };
            } else {
              marker = L.marker([c[1], c[0]], { icon: clusterIcon(p.count, false, p.estimated), title: shownCount(p.count, p.estimated) });
              activate = function () { map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 18)); };
            }
            marker.on("click", activate);
            marker.addTo(layer);
            // Keyboard users reach markers with Tab: Enter opens them as a click does.
            marker.getElement().addEventListener("keydown", function (event) {
              if (event.key === "Enter") { event.preventDefault(); activate(); }
            });
          });
          if (fit && points.length) {
            fit = false;
            map.fitBounds(points, { maxZoom: 11, padding: [20, 20] });
          }
          if (link) {
            link.href = element.dataset.list + "?" + (filters ? filters + "&" : "") + "bbox=" + bbox;
            link.textContent = linkText + " (" + shownCount(data.total, data.estimated) + ")";
          }
        })
        .catch(function (error) { if (error.name !== "AbortError") { throw error; } })
        .finally(function () { if (controller === mine) { element.removeAttribute("aria-busy"); } });
    }
    map.on("moveend", refresh);
    refresh();
  }

  function miniMap(element) {
    var point = [Number(element.dataset.lat), Number(element.dataset.lon)];
    var map = makeMap(element, { zoomControl: true, scrollWheelZoom: false, keyboard: false });
    map.setView(point, 5);
    L.marker(point, { icon: dotIcon(element.dataset.color, element.dataset.mark), keyboard: false, interactive: false }).addTo(map);
  }

  /* The place of an organisation in the suggestion and edit forms: click the map to set the
     coordinates; type a locality to choose among the gazetteer's. Without JavaScript the form
     still works: the server places a known locality itself. */
  function loadLeaflet(element) {
    if (window.L) { return Promise.resolve(); }
    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = element.dataset.leafletCss;
    document.head.appendChild(style);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = element.dataset.leafletJs;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function placePicker(element) {
    var field = function (name) { return document.getElementById("id_" + name); };
    var latitude = field("latitude"), longitude = field("longitude");
    var locality = field("locality"), country = field("country"), region = field("region");
    var status = document.getElementById("place-status");
    var opener = document.getElementById("place-map-open");
    var map = null, marker = null;
    element.closest(".place-picker").hidden = false;

    function show(lat, lon, zoom) {
      if (!map) { return; }
      if (marker) { marker.setLatLng([lat, lon]); } else {
        marker = L.marker([lat, lon], { icon: dotIcon("#7a4b00"), keyboard: false, interactive: false }).addTo(map);
      }
      if (zoom) { map.setView([lat, lon], zoom); }
    }
    function set(lat, lon, zoom) {
      latitude.value = lat.toFixed(5);
      longitude.value = lon.toFixed(5);
      show(lat, lon, zoom);
      status.textContent = element.dataset.done + " " + latitude.value + ", " + longitude.value;
    }
    // The map (and Leaflet) load only when asked for: most contributors type a locality.
    opener.addEventListener("click", function () {
      opener.hidden = true;
      loadLeaflet(element).then(function () {
        element.hidden = false;
        map = makeMap(element, { zoomControl: true, scrollWheelZoom: false });
        if (latitude.value && longitude.value) {
          show(Number(latitude.value), Number(longitude.value), 10);
        } else {
          map.setView([48, 6], 4);
        }
        map.on("click", function (event) {
          set(event.latlng.lat, L.Util.wrapNum(event.latlng.lng, [-180, 180], true), null);
        });
      });
    });

    var options = document.getElementById("locality-options"), found = {}, timer = null;
    locality.setAttribute("list", "locality-options");
    locality.setAttribute("autocomplete", "off");
    locality.addEventListener("input", function () {
      var place = found[locality.value];
      if (place) {
        set(place.latitude, place.longitude, 11);
        if (region && !region.value) { region.value = place.region; }
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (locality.value.length < 2 || !country.value) { return; }
        var url = element.dataset.places + "?" + new URLSearchParams({ q: locality.value, country: country.value });
        fetch(url).then(function (response) { return response.json(); }).then(function (places) {
          found = {};
          options.replaceChildren.apply(options, places.map(function (item) {
            found[item.name] = item;
            var option = document.createElement("option");
            option.value = item.name;
            option.label = item.region ? item.name + " (" + item.region + ")" : item.name;
            return option;
          }));
        });
      }, 200);
    });
  }

  /* The board of needs: how many open needs wait in each town (the table beside it says the
     same by country and region, without JavaScript). */
  function needsMap(element) {
    var points = JSON.parse(document.getElementById("needs-points").textContent);
    var opener = document.getElementById("needs-map-open");
    if (!points.length) { return; }
    // Leaflet and the basemap load only when asked for: the table says the same.
    opener.hidden = false;
    opener.addEventListener("click", function () {
      opener.hidden = true;
      loadLeaflet(element).then(function () { drawNeeds(element, points); });
    });
  }

  function drawNeeds(element, points) {
    element.hidden = false;
    var map = makeMap(element, { zoomControl: true, scrollWheelZoom: false });
    var bounds = [];
    points.forEach(function (p) {
      var label = p[3];
      L.marker([p[0], p[1]], { icon: clusterIcon(p[2], true), title: label, alt: label })
        .bindPopup(function () {
          var link = text("a", label, { href: p[4] });
          return link;
        })
        .addTo(map);
      bounds.push([p[0], p[1]]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 8 }); }
    else { map.setView([48, 6], 4); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var needs = document.getElementById("needs-map");
    if (needs) { needsMap(needs); }
    var picker = document.getElementById("place-map");
    if (picker) { placePicker(picker); }
    var atlas = document.getElementById("map");
    if (atlas) { atlasMap(atlas); }
    var mini = document.getElementById("mini-map");
    if (mini) { miniMap(mini); }
  });
})();
