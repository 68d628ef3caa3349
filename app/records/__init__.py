"""CRM records (leads, contacts, accounts): field catalogue, filters and validation shared by
imports, exports, syncs and bulk jobs."""
