"""One module per job type; each defines `JOB = JobType(...)` and is found by the registry."""
