"""The data layer the jobs call: named, set-based SQL over the domain tables (no Qt, no jobs)."""
