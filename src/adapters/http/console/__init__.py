"""The operator console under `/console`: server-rendered pages over the API's own use cases.

`routes.add_console(app, console)` mounts its pages (kept out of the OpenAPI document) and its static
files; `ports.ConsoleServices` is what it needs from the composition root besides the app's `Services`
(the session store, the latest jobs, its settings). docs/console.md.
"""
