#!/usr/bin/env bash
# The whole check, as CI runs it: set-up, lint, import contract, types, then the tests on
# SQLite and a throwaway PostgreSQL. Every step runs even when an earlier one failed, so
# one run reports every problem; the exit status is non-zero if any step failed.
# Arguments go to pytest, e.g. `scripts/test.sh -k sqlite -x`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh || exit $?

VENV="$ROOT/.venv"
export PATH="$VENV/bin:$PATH"
export QT_QPA_PLATFORM=offscreen
# Under CI a PostgreSQL that cannot start fails the suite instead of skipping its half.
if [[ -n "${CI:-}" ]]; then
    export BATCHDESK_REQUIRE_PG=1
fi

failed=()
step() {
    local name="$1"
    shift
    printf '\n==> %s\n' "$name"
    "$@"
    local rc=$?
    if ((rc != 0)); then
        failed+=("$name (exit $rc)")
    fi
}

step "ruff check" ruff check .
step "import contract (lint-imports)" lint-imports
step "types (mypy)" mypy
step "tests (pytest)" pytest -q "$@"

echo
if ((${#failed[@]})); then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "all checks passed"
