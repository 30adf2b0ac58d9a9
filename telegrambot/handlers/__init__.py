"""Bot handlers: thin adapters that parse an update, make one `run_sync` call to a
service or selector, and render the reply in the user's language. Wired in
`telegrambot.app.build_application`."""
