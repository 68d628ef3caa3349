"""Database access: engine factory, schema, migrations and the named queries."""
