"""The console names the system packages Qt's X11 plugin lacks instead of aborting."""

from __future__ import annotations

import pytest

from ui import display_check
from ui.display_check import DisplayUnavailable, check_display, debian_package, uses_xcb

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxkbcommon-x11.so.0 => not found
"""


def test_not_found_lines_are_read_from_ldd() -> None:
    assert display_check.NOT_FOUND.findall(LDD_OUTPUT) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4",
                                                           "libxkbcommon-x11.so.0"]


def test_debian_package_names() -> None:
    assert debian_package("libxcb-cursor.so.0") == "libxcb-cursor0"
    assert debian_package("libxcb-icccm.so.4") == "libxcb-icccm4"
    assert debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"DISPLAY": ":0"}, True),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
    ({}, False),
    ({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, False),
    ({"QT_QPA_PLATFORM": "xcb"}, True),
])
def test_uses_xcb(environ: dict[str, str], expected: bool) -> None:
    assert uses_xcb(environ) is expected


def test_missing_libraries_give_one_line_with_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(display_check, "missing_libraries", lambda: ["libxcb-cursor.so.0", "libxcb-icccm.so.4"])
    with pytest.raises(DisplayUnavailable) as caught:
        check_display()
    assert "\n" not in str(caught.value)
    assert str(caught.value).endswith("sudo apt-get install libxcb-cursor0 libxcb-icccm4")
    monkeypatch.setattr(display_check, "missing_libraries", lambda: [])
    check_display()  # nothing missing: no complaint
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setattr(display_check, "missing_libraries", lambda: ["libxcb-cursor.so.0"])
    check_display()  # offscreen needs no X libraries
