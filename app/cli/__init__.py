"""The `batchdesk` command line: the console, the worker, runs and job history."""
