// Progressive enhancement of the hosted pages (API.md §14): every page works without this file.
// - forms with data-confirm ask before they are sent (delete account, sign out everywhere, ban);
// - a search form with data-live searches as you type: it fetches the same page and swaps in its results.
'use strict'

document.addEventListener('submit', function (event) {
  var form = event.target
  var question = form instanceof HTMLFormElement ? form.getAttribute('data-confirm') : null
  if (question && !window.confirm(question)) event.preventDefault()
})

function liveSearch(form) {
  var results = document.getElementById(form.getAttribute('data-live'))
  if (!results) return
  var timer = null
  var latest = 0
  function run() {
    var query = new URLSearchParams(new FormData(form))
    query.delete('page')
    var url = form.getAttribute('action') + '?' + query.toString()
    var ticket = ++latest
    fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' }).then(function (response) {
      return response.ok ? response.text() : null
    }).then(function (html) {
      if (html === null || ticket !== latest) return
      var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById(results.id)
      if (fresh) {
        results.replaceWith(fresh)
        results = fresh
        window.history.replaceState(null, '', url)
      }
    }).catch(function () { /* the form still works by submitting it */ })
  }
  form.addEventListener('input', function () {
    window.clearTimeout(timer)
    timer = window.setTimeout(run, 250)
  })
}

document.querySelectorAll('form[data-live]').forEach(liveSearch)
