"""Batchdesk core: database, job engine and command line. Never imports Qt."""
