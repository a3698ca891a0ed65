// The passkey ceremonies of the hosted pages (API.md §12, §14): the one part of the pages that needs script.
// A form marked data-passkey is rendered `hidden`; this script shows it only where WebAuthn exists, so a browser
// without script or without passkeys never sees a button that cannot work. On submit it runs the ceremony with the
// vendored @simplewebauthn/browser (global SimpleWebAuthnBrowser), puts the browser's JSON answer in the form's
// [data-passkey-result] field and sends the form: the server then answers the form as any other (errors in the page).
// - data-passkey="login": options from POST /api/webauthn/login/options/ (`{}`, or the form's mfa_token);
// - data-passkey="register": options from POST /account/passkeys/options/ (the page's session, its CSRF token).
'use strict'

;(function () {
  var lib = window.SimpleWebAuthnBrowser
  if (!lib || !lib.browserSupportsWebAuthn()) return

  document.querySelectorAll('[data-passkey-unsupported]').forEach(function (element) { element.hidden = true })

  function fieldValue(form, name) {
    var field = form.querySelector('input[name="' + name + '"]')
    return field ? field.value : ''
  }

  function showError(form, message) {
    var box = form.querySelector('[data-passkey-error]')
    if (!box) return
    box.textContent = message
    box.hidden = false
  }

  function optionsRequest(form) {
    if (form.getAttribute('data-passkey') === 'register') {
      return fetch('/account/passkeys/options/', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ _csrf: fieldValue(form, '_csrf') }).toString(),
      })
    }
    var token = fieldValue(form, 'mfa_token')
    return fetch('/api/webauthn/login/options/', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: window.JSON.stringify(token ? { mfa_token: token } : {}),
    })
  }

  function optionsOf(response) {
    if (response.ok) return response.json()
    return response.json().catch(function () { return {} }).then(function (body) {
      var error = new window.Error(body && typeof body.detail === 'string' ? body.detail : 'Passkeys are not available right now. Try again in a moment.')
      error.name = 'OptionsRefused'
      throw error
    })
  }

  function messageOf(error) {
    if (error && error.name === 'OptionsRefused') return error.message
    if (error && error.name === 'NotAllowedError') return 'No passkey was used. Try again when you are ready.'
    if (error && error.name === 'InvalidStateError') return 'This passkey is already registered.'
    return 'The passkey did not work in this browser. Try again.'
  }

  document.querySelectorAll('form[data-passkey]').forEach(function (form) {
    form.hidden = false
    var busy = false
    form.addEventListener('submit', function (event) {
      event.preventDefault()
      if (busy) return
      busy = true
      var button = form.querySelector('button[type="submit"]')
      if (button) button.disabled = true
      var error = form.querySelector('[data-passkey-error]')
      if (error) error.hidden = true
      var register = form.getAttribute('data-passkey') === 'register'
      optionsRequest(form).then(optionsOf).then(function (optionsJSON) {
        return register ? lib.startRegistration({ optionsJSON: optionsJSON }) : lib.startAuthentication({ optionsJSON: optionsJSON })
      }).then(function (answer) {
        form.querySelector('[data-passkey-result]').value = window.JSON.stringify(answer)
        // form.submit() sends the form without a second submit event.
        form.submit()
      }).catch(function (failure) {
        busy = false
        if (button) button.disabled = false
        showError(form, messageOf(failure))
      })
    })
  })
})()
