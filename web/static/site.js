/* Mon Compte MINI: what the pages do better with a script, and do without one.
 *
 * 1. Switching language keeps what was typed. Following the header's language link (or
 *    submitting the staff console's language form) keeps the page's forms' values in this
 *    tab's sessionStorage (never in the address, never sent); the same page in the other
 *    language fills its forms with them (never a field already changed there), then
 *    forgets them. Never kept: passwords, one-time codes, hidden fields (the CSRF token,
 *    the state) and files.
 * 2. A show-password toggle beside every password field (its label comes from the page:
 *    data-show-password), off at first, back off when the form is sent.
 */
(function () {
  "use strict";

  var KEY = "moncompte.typed";
  var SKIPPED = ["password", "hidden", "file", "submit", "button", "reset", "image"];

  /* The path without its language (/fr/register/ab12 and /en/register/ab12 are one page). */
  function samePage(path) {
    return path.replace(/^\/(fr|en)(?=\/|$)/, "");
  }

  function actionOf(form) {
    return samePage(new URL(form.action, document.baseURI).pathname);
  }

  function kept(element) {
    return (
      element.name &&
      element.name !== "csrf_token" &&
      SKIPPED.indexOf(element.type) === -1 &&
      element.autocomplete !== "one-time-code" &&
      !element.disabled
    );
  }

  function valuesOf(form) {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!kept(element)) return;
      if (element.type === "checkbox" || element.type === "radio") {
        fields.push({ name: element.name, value: element.value, checked: element.checked });
      } else if (element.type === "select-multiple") {
        var chosen = Array.prototype.filter
          .call(element.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
        fields.push({ name: element.name, chosen: chosen });
      } else {
        fields.push({ name: element.name, value: element.value });
      }
    });
    return fields;
  }

  function forms() {
    return Array.prototype.slice.call(document.querySelectorAll("main form"));
  }

  function keep() {
    var typed = {
      page: samePage(location.pathname),
      forms: forms().map(function (form) {
        return { action: actionOf(form), fields: valuesOf(form) };
      }),
    };
    try {
      sessionStorage.setItem(KEY, JSON.stringify(typed));
    } catch (e) {
      /* storage refused (private mode, full): the page switches as it always did */
    }
  }

  /* Changed on this page already (typed before the script ran): never overwritten. */
  function touched(element) {
    if (element.type === "checkbox" || element.type === "radio") {
      return element.checked !== element.defaultChecked;
    }
    if (element.type === "select-multiple") {
      return Array.prototype.some.call(element.options, function (o) {
        return o.selected !== o.defaultSelected;
      });
    }
    if (element.type === "select-one") {
      var first = 0; /* the option a select shows when none is marked selected */
      Array.prototype.forEach.call(element.options, function (o, index) {
        if (o.defaultSelected) first = index;
      });
      return element.selectedIndex !== first;
    }
    return element.value !== element.defaultValue;
  }

  function fill(form, fields) {
    fields.forEach(function (field) {
      Array.prototype.forEach.call(form.elements, function (element) {
        if (element.name !== field.name || !kept(element) || touched(element)) return;
        if (element.type === "checkbox" || element.type === "radio") {
          if (element.value === field.value) element.checked = field.checked;
        } else if (element.type === "select-multiple") {
          Array.prototype.forEach.call(element.options, function (o) {
            o.selected = field.chosen.indexOf(o.value) !== -1;
          });
        } else if (field.value !== undefined) {
          element.value = field.value;
        }
      });
    });
  }

  function restore() {
    var text = null;
    try {
      text = sessionStorage.getItem(KEY);
      sessionStorage.removeItem(KEY); /* once, whatever page this is */
    } catch (e) {
      return;
    }
    if (!text) return;
    var typed;
    try {
      typed = JSON.parse(text);
    } catch (e) {
      return;
    }
    if (!typed || typed.page !== samePage(location.pathname)) return;
    var here = forms();
    (typed.forms || []).forEach(function (saved, index) {
      var form = here[index];
      if (form && actionOf(form) === saved.action) fill(form, saved.fields || []);
    });
  }

  function watchLanguageSwitch() {
    document.querySelectorAll("a[data-language-switch]").forEach(function (link) {
      link.addEventListener("click", keep);
    });
    document.querySelectorAll("form[data-language-switch]").forEach(function (form) {
      form.addEventListener("submit", keep);
    });
  }

  function hide(input, button) {
    input.type = "password";
    button.setAttribute("aria-pressed", "false");
  }

  function addToggle(input, index) {
    if (!input.id) input.id = "password-" + index;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "show-password";
    button.textContent = input.getAttribute("data-show-password");
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    input.insertAdjacentElement("afterend", button);
    if (input.form) {
      /* Never sent, nor remembered by the browser, while shown. */
      input.form.addEventListener("submit", function () { hide(input, button); });
    }
  }

  function addToggles() {
    document.querySelectorAll("input[type=password][data-show-password]").forEach(addToggle);
  }

  function start() {
    restore();
    watchLanguageSwitch();
    addToggles();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
