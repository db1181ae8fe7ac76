// "Around me": the browser's position, sent to Essaim only, as the place of the search.
// The form works without it; the button appears only where the browser can locate.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-around-me]").forEach(function (button) {
    var form = button.closest("form");
    var where = form && form.querySelector("input[name=where]");
    if (!where) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          // Two decimals (about a kilometre): enough to find the nearest help.
          where.value = position.coords.latitude.toFixed(2) + "," +
            position.coords.longitude.toFixed(2);
          button.disabled = false;
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        },
        function () {
          button.disabled = false;
          where.focus();
        },
        { maximumAge: 600000, timeout: 10000 }
      );
    });
  });
})();
