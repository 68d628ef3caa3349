"""The job engine: job types, runs, the queue, workers, the scheduler and recovery."""
