"""Look and feel: Fusion with the system's light or dark palette, one QSS written against
palette roles (so it fits both), and SVG icons recoloured to the palette's text colour.

`BATCHDESK_THEME=dark|light` forces a scheme (screenshots, or a system that reports none).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
ICON_SIZES = (16, 20, 24, 32, 48, 64)
ICON_PROPERTY = "themeIcon"
STATUS_COLORS = {  # status -> (light background, dark background); text is white on both
    "pending": ("#6b7280", "#4b5563"),
    "started": ("#2563eb", "#3b82f6"),
    "completed": ("#15803d", "#16a34a"),
    "warning": ("#b45309", "#d97706"),
    "failed": ("#b91c1c", "#dc2626"),
    "stopped": ("#57534e", "#78716c"),
}


CHIP_DARK_TEXT = "#111827"
TONES = {  # tone -> (light, dark) text colour; each at least 4.5:1 on its palette's window and base
    "error": ("#b91c1c", "#f87171"),
    "ok": ("#15803d", "#4ade80"),
}


def resources_dir() -> Path:
    return RESOURCES


def is_dark(palette: QPalette | None = None) -> bool:
    pal = palette or QGuiApplication.palette()
    return pal.color(QPalette.ColorRole.Window).lightness() < 128


def wants_dark(app: QGuiApplication) -> bool:
    forced = os.environ.get("BATCHDESK_THEME", "").lower()
    if forced in ("dark", "light"):
        return forced == "dark"
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def dark_palette() -> QPalette:
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2328", QPalette.ColorRole.WindowText: "#e6e8eb",
        QPalette.ColorRole.Base: "#16191d", QPalette.ColorRole.AlternateBase: "#1c2025",
        QPalette.ColorRole.Text: "#e6e8eb", QPalette.ColorRole.Button: "#2a2f36",
        QPalette.ColorRole.ButtonText: "#e6e8eb", QPalette.ColorRole.Highlight: "#3b82f6",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2a2f36",
        QPalette.ColorRole.ToolTipText: "#e6e8eb", QPalette.ColorRole.PlaceholderText: "#8b949e",
        QPalette.ColorRole.Mid: "#3a4048", QPalette.ColorRole.Midlight: "#30363d",
        QPalette.ColorRole.Dark: "#0d1014", QPalette.ColorRole.Light: "#3a4048",
        QPalette.ColorRole.Link: "#60a5fa", QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, color in roles.items():
        pal.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6e7681"))
    return pal


def light_palette() -> QPalette:
    pal = QApplication.style().standardPalette()
    pal.setColor(QPalette.ColorRole.Window, QColor("#f5f6f8"))
    pal.setColor(QPalette.ColorRole.AlternateBase, QColor("#f7f8fa"))
    pal.setColor(QPalette.ColorRole.Highlight, QColor("#2563eb"))
    pal.setColor(QPalette.ColorRole.Link, QColor("#1d4ed8"))
    # muted text (descriptions, hints, subtitles, placeholders): Fusion's half-black read at
    # 3.9:1 on the window; this grey reads at 5.3:1 on it and 5.8:1 on white
    pal.setColor(QPalette.ColorRole.PlaceholderText, QColor("#5f6672"))
    return pal


def style_sheet(dark: bool) -> str:
    """resources/style.qss with its images (drop-down chevrons, check marks) for this palette."""
    folder = RESOURCES / "theme" / ("dark" if dark else "light")
    sheet = (RESOURCES / "style.qss").read_text(encoding="utf-8").replace("@THEME@", folder.as_posix())
    return sheet + status_rules(dark) + tone_rules(dark)


def tone_rules(dark: bool) -> str:
    """Result and error lines (property "tone"), in a red and a green that read on this palette:
    the fixed #d64541 of before was 3.6:1 on the dark window, #15803d 3.2:1."""
    rules = [f'QLabel[tone="{tone}"] {{ color: {dark_color if dark else light}; }}'
             for tone, (light, dark_color) in TONES.items()]
    rules.append('QLabel[tone="muted"] { color: palette(placeholder-text); }')
    return "\n".join(rules) + "\n"


def set_tone(label: QWidget, tone: str = "") -> None:
    """Colour a label's text by its tone ("error", "ok", "muted", "" for plain); it follows a
    palette switch, as the style sheet's rules are re-applied then. Re-polished only on a change."""
    if (label.property("tone") or "") != tone:
        label.setProperty("tone", tone)
        label.style().unpolish(label)
        label.style().polish(label)


def status_rules(dark: bool) -> str:
    """Progress bars tinted by their run's status (property "status"), as the table's are. The
    tint is light enough on both palettes for the bar's text to read at 4.5:1 or more: at 0.75
    on the dark one a warning's "1000/1000 — 100%" was 3.95:1 (5.2:1 now)."""
    rules = []
    for status, (light, darker) in STATUS_COLORS.items():
        color = QColor(darker if dark else light)
        rgba = f"rgba({color.red()}, {color.green()}, {color.blue()}, {0.6 if dark else 0.5})"
        rules.append(f'QProgressBar[status="{status}"]::chunk {{ background: {rgba}; border-radius: 4px; }}')
    return "\n" + "\n".join(rules) + "\n"


def apply_theme(app: QApplication) -> None:
    """Set style, palette and style sheet; call again when the system scheme changes: icons
    set with `set_icon` are redrawn, and widgets with a `retheme()` method (charts, chips
    coloured in code) are asked to recolour themselves."""
    dark = wants_dark(app)
    changed = app.property("batchdesk-dark") not in (None, dark)
    app.setProperty("batchdesk-dark", dark)
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else light_palette())
    app.setStyleSheet(style_sheet(dark))
    icon.cache_clear()
    if changed:
        retheme_all(app)


def set_icon(target: QAction | QAbstractButton, name: str) -> None:
    """Give a button or action the named icon, redrawn when the palette changes (in the
    highlighted-text colour on a primary button, which is drawn in the highlight colour)."""
    target.setProperty(ICON_PROPERTY, name)
    _draw_icon(target)


def _draw_icon(target: QAction | QAbstractButton) -> None:
    primary = isinstance(target, QAbstractButton) and bool(target.property("primary"))
    tint = QGuiApplication.palette().color(QPalette.ColorRole.HighlightedText).name() if primary else ""
    target.setIcon(icon(str(target.property(ICON_PROPERTY)), tint))


def retheme_all(app: QApplication) -> None:
    for widget in app.allWidgets():
        for target in (widget, *widget.actions()):
            if target.property(ICON_PROPERTY) and isinstance(target, QAction | QAbstractButton):
                _draw_icon(target)
        retheme = getattr(widget, "retheme", None)
        if callable(retheme):
            retheme()


def status_color(status: str) -> QColor:
    light, dark = STATUS_COLORS.get(status, ("#6b7280", "#4b5563"))
    return QColor(dark if is_dark() else light)


def contrast(a: QColor, b: QColor) -> float:
    """WCAG's contrast ratio of two colours (1 to 21)."""
    def luminance(color: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def chip_text_color(fill: QColor) -> QColor:
    """White on a status chip where it reads at 4.5:1, else near-black: the dark palette's
    brighter Warning, Completed and Processing chips held white text at 3.2-3.7:1."""
    white = QColor("#ffffff")
    return white if contrast(white, fill) >= 4.5 else QColor(CHIP_DARK_TEXT)


@lru_cache(maxsize=128)
def icon(name: str, color: str = "") -> QIcon:
    """An icon from resources/icons/NAME.svg, drawn in the palette's text colour at every size
    (crisp at any device pixel ratio); on a selected row (the sidebar) in the highlighted-text
    colour, and greyed in the disabled text colour."""
    path = RESOURCES / "icons" / f"{name}.svg"
    if not path.exists():
        return QIcon()
    palette = QGuiApplication.palette()
    tints = {
        QIcon.Mode.Normal: color or palette.color(QPalette.ColorRole.WindowText).name(),
        QIcon.Mode.Selected: color or palette.color(QPalette.ColorRole.HighlightedText).name(),
        QIcon.Mode.Disabled: palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name(),
    }
    source = path.read_text(encoding="utf-8")
    result = QIcon()
    for mode, tint in tints.items():
        renderer = QSvgRenderer(QByteArray(source.replace("currentColor", tint).encode("utf-8")))
        for size in ICON_SIZES:
            for ratio in (1.0, 2.0):
                pixmap = QPixmap(int(size * ratio), int(size * ratio))
                pixmap.fill(Qt.GlobalColor.transparent)
                painter = QPainter(pixmap)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                renderer.render(painter, QRectF(0, 0, size * ratio, size * ratio))
                painter.end()
                pixmap.setDevicePixelRatio(ratio)
                result.addPixmap(pixmap, mode)
    return result
