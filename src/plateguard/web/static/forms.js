// A refused form: put back what was typed and show the message beside the field it names.
// Without this script the message still shows above the page.
(function () {
  "use strict";
  var data = document.getElementById("form-refusal");
  if (!data) { return; }
  var refusal = JSON.parse(data.textContent);
  var forms = Array.prototype.filter.call(document.forms, function (form) {
    // getAttribute: a field named "action" (the access log's filter) would shadow form.action.
    return new URL(form.getAttribute("action") || "", document.baseURI).pathname === refusal.action;
  });
  if (forms.length === 0) { return; }
  // Several forms may post to one address (a row form per user): the one holding the named field wins.
  var form = forms.filter(function (f) { return refusal.field && f.elements[refusal.field]; })[0] || forms[0];
  if (forms.length > 1 && refusal.values) {
    form = forms.filter(function (f) { return sameHidden(f, refusal.values); })[0] || form;
  }

  function sameHidden(f, values) {
    var inputs = f.querySelectorAll("input[type=hidden]:not([name=csrf_token])");
    return Array.prototype.every.call(inputs, function (input) {
      return values[input.name] && values[input.name].indexOf(input.value) >= 0;
    });
  }

  Object.keys(refusal.values || {}).forEach(function (name) {
    var values = refusal.values[name];
    Array.prototype.forEach.call(form.querySelectorAll("[name='" + CSS.escape(name) + "']"), function (el) {
      if (el.type === "hidden" || el.type === "file" || el.type === "password") { return; }
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) >= 0; });
      } else {
        el.value = values[values.length - 1];
      }
    });
  });

  var field = refusal.field ? form.elements[refusal.field] : null;
  if (field && field.length !== undefined && !field.tagName) { field = field[0]; }
  var anchor = field ? (field.closest("fieldset") || field.closest("label") || field) : form.querySelector("button[type=submit], button:not([type])");
  if (!anchor) { return; }
  var message = document.createElement("p");
  message.className = "field-error";
  message.id = "field-error";
  message.setAttribute("role", "alert");
  message.textContent = refusal.message;
  anchor.insertAdjacentElement(field ? "afterend" : "beforebegin", message);
  if (field) {
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", "field-error");
    field.focus({ preventScroll: true });
  }
  message.scrollIntoView({ block: "center" });
  // The message now stands beside its field: the copy above the page (for browsers without script) goes.
  var banner = document.getElementById("feedback");
  if (banner) { banner.remove(); }
})();
