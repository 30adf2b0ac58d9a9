/* Telegram returns the browser with #tgAuthResult=…; post it to this URL (with its
   ?state=) for the server to check. The action names no fragment: a fragment on
   the POST would be carried through the redirect and leave the sign-in data in the
   address bar and history. */
(function () {
  'use strict'
  const form = document.createElement('form')
  form.method = 'POST'
  form.action = window.location.pathname + window.location.search
  const params = new URLSearchParams(window.location.hash.substring(1))
  for (const [name, value] of params) {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = name
    input.value = value
    form.appendChild(input)
  }
  history.replaceState(null, '', form.action)
  document.body.appendChild(form)
  form.submit()
})()
