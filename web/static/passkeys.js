/* Mon Compte MINI: the browser's half of a passkey's ceremony (WebAuthn).
 *
 * A form marked data-passkey="create" or "get" carries the site's options (data-options,
 * the JSON py_webauthn wrote). Sending it asks the browser to create a passkey, or to use
 * one, then sends the browser's answer (PublicKeyCredential.toJSON()) in the form's hidden
 * "credential" field. Cancelled, failed or not possible in this browser: the form says so
 * (data-cancelled, data-unsupported) beside its button, and nothing is sent.
 */
(function () {
  "use strict";

  function supported() {
    return (
      window.PublicKeyCredential &&
      typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
      typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function"
    );
  }

  function say(form, message) {
    var where = form.querySelector("[data-passkey-problem]");
    where.textContent = message;
    where.hidden = false;
    where.focus();
  }

  function ceremony(form) {
    var options = JSON.parse(form.getAttribute("data-options"));
    if (form.getAttribute("data-passkey") === "create") {
      return navigator.credentials.create({
        publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options)
      });
    }
    return navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options)
    });
  }

  function onSubmit(event) {
    var form = event.currentTarget;
    var submitter = event.submitter;
    if (submitter && submitter.name === "event") return; // another button: sent as is
    event.preventDefault();
    if (!supported()) {
      say(form, form.getAttribute("data-unsupported"));
      return;
    }
    ceremony(form).then(
      function (credential) {
        form.elements.credential.value = JSON.stringify(credential.toJSON());
        form.submit();
      },
      function () {
        say(form, form.getAttribute("data-cancelled"));
      }
    );
  }

  function start() {
    document.querySelectorAll("form[data-passkey]").forEach(function (form) {
      form.addEventListener("submit", onSubmit);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
