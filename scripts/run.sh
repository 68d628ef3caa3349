#!/usr/bin/env bash
# Set everything up, then start Batchdesk with the given arguments (none: the console on
# the embedded SQLite database, which the CLI creates and fills with demo data on first
# start). The caller's working directory is kept, so relative file arguments work.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/batchdesk" "$@"
