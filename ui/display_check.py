"""Before Qt starts on X11: name the system libraries its xcb plugin lacks.

Without them Qt prints a generic "could not load the Qt platform plugin" and aborts the
process (seen on a minimal Debian: libxcb-cursor0, libxcb-icccm4 and libxcb-keysyms1 were
missing). We ask the dynamic linker about the plugin's own dependencies instead, so the
admin gets one line saying which packages to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

PLUGIN_LIBS = ("Qt/plugins/platforms/libqxcb.so", "Qt/lib/libQt6XcbQpa.so.6")
NOT_FOUND = re.compile(r"^\s*(\S+) => not found", re.MULTILINE)


def uses_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Qt on Linux picks xcb when asked to, or when there is an X display and no Wayland one."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0] == "xcb"
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def missing_libraries() -> list[str]:
    """Sonames the xcb plugin needs and the linker cannot find ([] when unknown)."""
    spec = find_spec("PySide6")
    ldd = shutil.which("ldd")
    if spec is None or spec.origin is None or ldd is None:
        return []
    root = Path(spec.origin).parent
    missing: list[str] = []
    for relative in PLUGIN_LIBS:
        path = root / relative
        if not path.exists():
            continue
        try:
            out = subprocess.run([ldd, str(path)], capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        missing += [name for name in NOT_FOUND.findall(out) if name not in missing]
    return missing


def debian_package(soname: str) -> str:
    """libxcb-cursor.so.0 → libxcb-cursor0; libxkbcommon-x11.so.0 → libxkbcommon-x11-0."""
    base, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    return f"{base}-{version}" if base[-1:].isdigit() else f"{base}{version}"


class DisplayUnavailable(RuntimeError):
    pass


def check_display() -> None:
    """Raise DisplayUnavailable, with what to install, when Qt could not open a window here."""
    if not uses_xcb():
        return
    missing = missing_libraries()
    if missing:
        packages = " ".join(dict.fromkeys(map(debian_package, missing)))
        raise DisplayUnavailable(f"the console cannot open a window: Qt's X11 plugin needs {', '.join(missing)}, "
                                 f"missing on this machine; on Debian or Ubuntu: sudo apt-get install {packages}")
