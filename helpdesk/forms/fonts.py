"""The forms' typeface: Liberation Serif 2.x, embedded, never a built-in PDF font.

Nghị định 30/2020 asks for Times New Roman; Liberation Serif is its metric-compatible
free stand-in. Debian's ``fonts-liberation2`` has the Vietnamese letters; the older
``fonts-liberation`` (1.07) does not, and ReportLab would silently draw boxes — so
registration checks a few tell-tale letters and refuses a font without them.

ReportLab has no mark positioning: text must be NFC (precomposed) before it is drawn,
or combining accents land beside their letters. :func:`nfc` is the one place for that.
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from helpdesk.errors import HelpdeskError

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
FAMILY = "LiberationSerif"
APT_HINT = "apt-get install fonts-liberation2"

_STYLES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bold_italic": "LiberationSerif-BoldItalic.ttf",
}
# Letters that Liberation 1.07 lacks; a font without them cannot print Vietnamese.
_PROBE = "ơưạảầộữĐỹ"


class FormError(HelpdeskError):
    title = "Form"


class FontMissing(FormError):
    title = "Form font"


@dataclass(frozen=True)
class FontFamily:
    """ReportLab font names of the registered family (use them in styles)."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


def nfc(text: str) -> str:
    """Precomposed form of ``text``: the only form ReportLab draws correctly."""
    return unicodedata.normalize("NFC", text)


_lock = threading.Lock()
_registered: dict[Path, FontFamily] = {}


def font_files(font_dir: Path = DEFAULT_FONT_DIR) -> dict[str, Path]:
    """Style -> TTF path; raises :class:`FontMissing` (with the apt fix) if one is absent."""
    files = {style: font_dir / name for style, name in _STYLES.items()}
    for path in files.values():
        if not path.is_file():
            raise FontMissing(
                "The form font {path} is missing. Install it with: {fix}",
                path=str(path),
                fix=APT_HINT,
            )
    return files


def register_fonts(font_dir: Path = DEFAULT_FONT_DIR) -> FontFamily:
    """Register Liberation Serif (4 styles + bold/italic mapping) with ReportLab, once.

    TrueType fonts registered this way are always embedded (as subsets) in the PDF.
    """
    with _lock:
        if font_dir in _registered:
            return _registered[font_dir]
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        names = FontFamily(
            regular=FAMILY,
            bold=f"{FAMILY}-Bold",
            italic=f"{FAMILY}-Italic",
            bold_italic=f"{FAMILY}-BoldItalic",
        )
        fonts = []
        for style, path in font_files(font_dir).items():
            font = TTFont(getattr(names, style), str(path))
            missing = [ch for ch in _PROBE if ord(ch) not in font.face.charToGlyph]
            if missing:
                raise FontMissing(
                    "The font {path} lacks Vietnamese letters ({missing}). Install it with: {fix}",
                    path=str(path),
                    missing="".join(missing),
                    fix=APT_HINT,
                )
            fonts.append(font)
        if _registered:  # ReportLab's registry is global: one family name, one folder
            raise FormError(
                "Form fonts are already registered from another folder ({path})",
                path=str(next(iter(_registered))),
            )
        for font in fonts:
            pdfmetrics.registerFont(font)
        addMapping(FAMILY, 0, 0, names.regular)
        addMapping(FAMILY, 1, 0, names.bold)
        addMapping(FAMILY, 0, 1, names.italic)
        addMapping(FAMILY, 1, 1, names.bold_italic)
        _registered[font_dir] = names
        return names
