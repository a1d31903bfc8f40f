"""The form font: Liberation Serif 2.x with every Vietnamese letter, always embedded."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import pytest
from reportlab.pdfbase.ttfonts import TTFont

from helpdesk.config import Organisation
from helpdesk.forms import FontMissing, FormDocument, register_fonts
from helpdesk.forms.fonts import DEFAULT_FONT_DIR, font_files
from helpdesk.testing.pdftools import pdf_fonts, pdf_text

VOWELS = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]  # huyền sắc hỏi ngã nặng
CONSONANTS = "bcdđghklmnpqrstvx" + "fjwz"  # the last four appear in names and loanwords
PUNCTUATION = "–…“”·\u00a0"  # drawn by the layout or common in pasted text


def vietnamese_alphabet() -> list[str]:
    letters = []
    for base in VOWELS + VOWELS.upper():
        for tone in TONES:
            composed = unicodedata.normalize("NFC", base + tone)
            assert len(composed) == 1, f"{base}+{tone!r} has no precomposed form"
            letters.append(composed)
    letters += list(CONSONANTS + CONSONANTS.upper())
    return letters


def test_alphabet_is_complete() -> None:
    letters = vietnamese_alphabet()
    assert len(letters) == 12 * 2 * 6 + 21 * 2
    for sample in "ạảãầấậẩẫằắặẳẵơưđộữỹỴĐ":
        assert sample in letters


@pytest.mark.parametrize("style", ["regular", "bold", "italic", "bold_italic"])
def test_every_vietnamese_letter_has_a_glyph(style: str) -> None:
    path = font_files()[style]
    cmap = TTFont(f"probe-{style}", str(path)).face.charToGlyph
    missing = [ch for ch in vietnamese_alphabet() + list(PUNCTUATION) if ord(ch) not in cmap]
    assert missing == [], f"{path.name} lacks {''.join(missing)}"


def test_alphabet_round_trips_through_the_pdf() -> None:
    """Each letter reaches the PDF as its own glyph and comes back as the same character."""
    letters = vietnamese_alphabet()
    doc = FormDocument(
        Organisation(), number="1/BB-SNV", title="Bảng chữ cái", date=date(2026, 1, 1)
    )
    doc.paragraph(" ".join(letters), align="left", indent=False)
    doc.paragraph(" ".join(letters), align="left", indent=False, italic=True)
    doc.heading(" ".join(letters))
    # pdftotext drops some spaces between lone letters: compare without whitespace
    back = "".join(pdf_text(doc.render()).split())
    assert back.count("".join(letters)) == 3


def test_pdf_embeds_only_liberation_serif(sample_pdf: bytes) -> None:
    fonts = pdf_fonts(sample_pdf)
    assert {f.name.split("+")[-1] for f in fonts} >= {
        "LiberationSerif",
        "LiberationSerif-Bold",
        "LiberationSerif-Italic",
    }
    for font in fonts:
        assert font.embedded and font.subset, font
        assert font.name.split("+")[-1].startswith("LiberationSerif"), font
        assert font.type.startswith("TrueType"), font


def test_missing_font_names_the_apt_fix(tmp_path: Path) -> None:
    with pytest.raises(FontMissing) as caught:
        register_fonts(tmp_path)
    assert "apt-get install fonts-liberation2" in caught.value.localized()
    assert "LiberationSerif-Regular.ttf" in caught.value.localized()
    assert caught.value.localized().startswith("Thiếu phông chữ")


def test_font_without_vietnamese_letters_is_refused(tmp_path: Path) -> None:
    """Like Liberation 1.07: the files exist but ơ ư ạ … are not in them (here: Vera)."""
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    for name in [p.name for p in font_files(DEFAULT_FONT_DIR).values()]:
        (tmp_path / name).symlink_to(vera)
    with pytest.raises(FontMissing) as caught:
        register_fonts(tmp_path)
    assert "ơ" in caught.value.params["missing"]  # type: ignore[operator]
    assert "fonts-liberation2" in caught.value.localized()
