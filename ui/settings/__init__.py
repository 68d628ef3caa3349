"""The Settings page's cards: database connection, local workers, retention, SMTP."""
