/* Essaim forms, made easier with JavaScript and whole without it:
   - a text box with data-suggest proposes names as they are typed (organisations of the atlas,
     countries, languages), from the server's /names/ list, in a datalist the browser shows;
     with data-separator, only the last of the names typed is completed;
   - an element with data-shown-when="field=value" is shown only while that field has that
     value ("field=a|b": one of them; "field!=value": any other; "field": while it is filled
     in or ticked). Without JavaScript, everything is shown;
   - identifier boxes with data-countries come first for the country typed (the others behind
     "Other identifier"), as the server orders them for the country it knows. */
(function () {
  "use strict";

  function suggest(input) {
    var list = document.createElement("datalist");
    var timer = null;
    var asked = "";
    list.id = input.id + "-names";
    input.after(list);
    input.setAttribute("list", list.id);
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var separator = input.dataset.separator;
        var value = input.value;
        var head = "";
        var last = value;
        if (separator && value.lastIndexOf(separator) >= 0) {
          head = value.slice(0, value.lastIndexOf(separator) + 1) + " ";
          last = value.slice(value.lastIndexOf(separator) + 1);
        }
        last = last.trim();
        if (last.length < 2 || last === asked) { return; }
        asked = last;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(last), {
          headers: { Accept: "application/json" }
        }).then(function (response) {
          return response.ok ? response.json() : { names: [] };
        }).then(function (answer) {
          list.replaceChildren.apply(list, answer.names.map(function (name) {
            var option = document.createElement("option");
            option.value = head + name;
            return option;
          }));
        }).catch(function () { /* offline: the box still takes a typed name */ });
      }, 200);
    });
  }

  function showWhen(element) {
    var match = /^([\w-]+)(?:(!?=)(.*))?$/.exec(element.dataset.shownWhen);
    var controls = document.querySelectorAll('[name="' + match[1] + '"]');
    var values = match[3] === undefined ? null : match[3].split("|");
    function holds(value) {
      if (values === null) { return value.trim() !== ""; }
      return (values.indexOf(value) >= 0) === (match[2] === "=");
    }
    function update() {
      var shown = Array.prototype.some.call(controls, function (control) {
        if (control.type === "checkbox" || control.type === "radio") {
          return control.checked && (values === null || holds(control.value));
        }
        return holds(control.value);
      });
      element.hidden = !shown;
    }
    Array.prototype.forEach.call(controls, function (control) {
      control.addEventListener("input", update);
      control.addEventListener("change", update);
    });
    update();
  }

  function identifiersFollow(country) {
    var boxes = document.querySelectorAll("input[data-countries]");
    if (!boxes.length || !country.dataset.suggest) { return; }
    var fieldset = boxes[0].closest("fieldset");
    var folded = fieldset.querySelector("details");
    var order = Array.prototype.map.call(boxes, function (box) { return box.closest("div"); });
    function place(code) {
      order.forEach(function (field) {
        var box = field.querySelector("input");
        if (box.dataset.countries.split(" ").indexOf(code) >= 0) {
          fieldset.insertBefore(field, folded);
        } else {
          folded.appendChild(field);
          if (box.value.trim()) { folded.open = true; }  // a number typed stays in sight
        }
      });
    }
    country.addEventListener("change", function () {
      fetch(country.dataset.suggest + "?q=" + encodeURIComponent(country.value.trim()), {
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.ok ? response.json() : { code: "" };
      }).then(function (answer) {
        if (answer.code) { place(answer.code); }
      }).catch(function () { /* offline: the boxes stay where they are */ });
    });
  }

  document.querySelectorAll("input[data-suggest]").forEach(suggest);
  document.querySelectorAll('input[name="country"][data-suggest]').forEach(identifiersFollow);
  document.querySelectorAll("[data-shown-when]").forEach(showWhen);
}());
