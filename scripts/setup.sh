#!/usr/bin/env bash
# Idempotent set-up: everything Batchdesk needs on a fresh Debian machine with only python3.
#
# Why each step exists:
# - PostgreSQL server binaries: the test suite runs every database test on a throwaway
#   PostgreSQL cluster too (tests/pg_server.py); Debian's `postgresql` package provides
#   initdb/pg_ctl under /usr/lib/postgresql/*/bin.
# - Qt's runtime libraries and a font: the PySide6 wheels bundle Qt itself but link against
#   the system's EGL/GL, fontconfig/freetype, glib, xkbcommon and D-Bus (checked with ldd
#   on libQt6Gui and the offscreen platform plugin); without a font, text renders as boxes.
# - .venv: the project's own Python environment, reinstalled only when pyproject.toml
#   changes (a stamp holds its sha256), so repeated runs cost well under a second.
#
# All messages go to stderr, so `scripts/run.sh ... --json` keeps a clean stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
STAMP="$VENV/.batchdesk-setup.sha256"
PIP_LOG="$VENV/setup-pip.log"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

say() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# Qt (PySide6 offscreen/xcb-less) runtime libraries and a font, by Debian package name.
QT_PKGS=(libegl1 libgl1 libopengl0 libglib2.0-0 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 fonts-dejavu-core)
# On an X11 display the console uses Qt's xcb plugin, which links these too (ldd on
# libqxcb.so and libQt6XcbQpa.so.6; a minimal Debian lacked the first three).
XCB_PKGS=(libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
          libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0)
if [[ -n "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then QT_PKGS+=("${XCB_PKGS[@]}"); fi

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
have_initdb() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; }

# ---------------------------------------------------------------- system packages
missing=()
have_initdb || missing+=(postgresql)
if command -v dpkg-query >/dev/null; then
    for p in "${QT_PKGS[@]}"; do pkg_installed "$p" || missing+=("$p"); done
    # Debian's python3 has no ensurepip without python3-venv; `python3 -m venv` needs it.
    if [[ ! -x "$VENV/bin/python" ]] && ! python3 -c 'import ensurepip' >/dev/null 2>&1; then
        missing+=(python3-venv)
    fi
fi

if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        say "installing system packages: ${missing[*]} (apt-get, a minute or two)"
        apt_log="$(mktemp /tmp/batchdesk-apt.XXXXXX.log)"
        if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
            >"$apt_log" 2>&1; then
            tail -n 30 "$apt_log" >&2
            die "apt-get install failed (full log: $apt_log)"
        fi
        rm -f "$apt_log"
    else
        say "WARNING: missing system packages: ${missing[*]}"
        say "         install them with: sudo apt-get install ${missing[*]}"
        say "         (without PostgreSQL its tests are skipped; without the Qt libraries the console cannot start)"
    fi
fi

# ---------------------------------------------------------------- Python environment
command -v python3 >/dev/null || die "python3 not found: install Python 3.11 or newer"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "Python 3.11 or newer is required, found $(python3 -V 2>&1)"

# Serialise concurrent set-ups of this checkout (e.g. run.sh and test.sh started together).
if command -v flock >/dev/null; then
    exec 9>"${TMPDIR:-/tmp}/batchdesk-setup-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
    flock 9
fi

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    say "creating .venv with $(python3 -V 2>&1)"
    python3 -m venv --clear "$VENV" >&2 || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi

want="$( (sha256sum pyproject.toml; "$VENV/bin/python" -V) 2>&1 | sha256sum | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [[ "$want" == "$have" && -x "$VENV/bin/batchdesk" ]]; then
    exit 0
fi

say "installing Batchdesk and its dev tools into .venv (pip install -e '.[dev]')"
rm -f "$STAMP"
if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
    "$VENV/bin/python" -m pip install -q -e '.[dev]'; } >"$PIP_LOG" 2>&1; then
    grep -v "^WARNING: Location" "$PIP_LOG" | tail -n 30 >&2
    die "pip install failed (full log: $PIP_LOG)"
fi
echo "$want" >"$STAMP"
say "ready: $("$VENV/bin/python" -V 2>&1) in .venv"
