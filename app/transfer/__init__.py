"""Imports and exports: readers, mapping, validation-driven fast writers, export writers.

The console and the command line use `app.transfer.api` (preview, guess_mapping via
`app.transfer.mapping`, templates, enqueue_import/enqueue_export, export_errors_report,
rerun_failed); the jobs `import` and `export` use the rest.
"""
