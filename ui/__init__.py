"""The PySide6 console. Talks to the core only through `app.api` and `app.engine` functions."""
