"""The job detail pane: summary with live charts, processing log, error details, configuration."""
