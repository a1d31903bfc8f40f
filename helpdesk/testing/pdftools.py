"""Look inside PDFs with poppler-utils, for tests of printed forms (core and plugins).

``pdf_text`` (pdftotext), ``pdf_page_count`` (pdfinfo), ``pdf_fonts`` (pdffonts) and
``render_gray`` (pdftoppm, as an 8-bit grey bitmap — no imaging library needed).
Each takes the PDF as bytes or a path.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PdfSource = bytes | Path

MM_PER_INCH = 25.4


def _run(args: list[str], pdf: PdfSource, *tail: str) -> bytes:
    """Run a poppler tool on ``pdf`` (fed on stdin when given as bytes)."""
    source = str(pdf) if isinstance(pdf, Path) else "-"
    stdin = None if isinstance(pdf, Path) else pdf
    return subprocess.run(
        [*args, source, *tail], input=stdin, check=True, capture_output=True, timeout=60
    ).stdout


def pdf_text(
    pdf: PdfSource,
    *,
    first: int | None = None,
    last: int | None = None,
    layout: bool = False,
    nfc: bool = True,
) -> str:
    """The text layer, pages ``first``..``last`` (form feeds between pages).

    NFC-normalised unless ``nfc=False`` (to check the PDF itself holds precomposed text).
    """
    args = ["pdftotext", "-enc", "UTF-8"]
    if first is not None:
        args += ["-f", str(first)]
    if last is not None:
        args += ["-l", str(last)]
    if layout:
        args.append("-layout")
    text = _run(args, pdf, "-").decode("utf-8")
    return unicodedata.normalize("NFC", text) if nfc else text


def pdf_info(pdf: PdfSource) -> dict[str, str]:
    out = _run(["pdfinfo"], pdf).decode("utf-8", "replace")
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pdf_page_count(pdf: PdfSource) -> int:
    return int(pdf_info(pdf)["Pages"])


@dataclass(frozen=True)
class PdfFont:
    name: str  # "AAAAAA+LiberationSerif"
    type: str  # "TrueType", "Type 1", …
    embedded: bool
    subset: bool


def pdf_fonts(pdf: PdfSource) -> list[PdfFont]:
    out = _run(["pdffonts"], pdf).decode("utf-8", "replace")
    fonts = []
    for line in out.splitlines()[2:]:  # two header lines
        # name, type (may contain spaces), encoding, emb, sub, uni, object id, generation
        m = re.match(
            r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", line
        )
        if m:
            fonts.append(PdfFont(m[1], m[2], m[4] == "yes", m[5] == "yes"))
    return fonts


@dataclass(frozen=True)
class GrayImage:
    """An 8-bit grey bitmap (0 black … 255 white), row-major."""

    width: int
    height: int
    dpi: float
    pixels: bytes

    def px(self, x: int, y: int) -> int:
        return self.pixels[y * self.width + x]

    def mm(self, millimetres: float) -> int:
        """Millimetres on the page -> pixels at this resolution."""
        return round(millimetres / MM_PER_INCH * self.dpi)

    def dark_in(self, x0: int, y0: int, x1: int, y1: int, threshold: int = 128) -> int:
        """Number of pixels darker than ``threshold`` in the box [x0, x1) × [y0, y1)."""
        count = 0
        for y in range(max(0, y0), min(self.height, y1)):
            row = self.pixels[y * self.width + max(0, x0) : y * self.width + min(self.width, x1)]
            count += sum(1 for p in row if p < threshold)
        return count


def render_gray(
    pdf: PdfSource,
    page: int = 1,
    dpi: float = 110,
    crop: tuple[int, int, int, int] | None = None,
) -> GrayImage:
    """Page ``page`` at ``dpi`` via ``pdftoppm -gray`` (PGM); ``crop`` = x, y, w, h in pixels."""
    args = ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    if crop is not None:
        x, y, w, h = crop
        args += ["-x", str(x), "-y", str(y), "-W", str(w), "-H", str(h)]
    return _parse_pgm(_run(args, pdf), dpi)


def _parse_pgm(data: bytes, dpi: float) -> GrayImage:
    tokens: list[bytes] = []
    pos = 0
    while len(tokens) < 4:  # magic, width, height, maxval (no comments from pdftoppm)
        while data[pos : pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end : end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    if tokens[0] != b"P5" or tokens[3] != b"255":
        raise ValueError("expected an 8-bit binary PGM from pdftoppm -gray")
    width, height = int(tokens[1]), int(tokens[2])
    pixels = data[pos + 1 : pos + 1 + width * height]
    return GrayImage(width, height, dpi, pixels)


def page_png(pdf: PdfSource, page: int = 1, dpi: float = 150) -> bytes:
    """Page ``page`` as a PNG image (``pdftoppm -png``)."""
    args = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    return _run(args, pdf)


def decode_qr_codes(png: bytes) -> list[str]:
    """Every QR code zbar finds in a PNG image (Debian's ``zbarimg``, from zbar-tools):
    an independent decoder, not the encoder that drew them. Empty if none is found."""
    done = subprocess.run(
        ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", "-"],
        input=png,
        capture_output=True,
        timeout=60,
    )
    if done.returncode == 4:  # zbarimg: no symbol found
        return []
    if done.returncode != 0:
        raise RuntimeError(f"zbarimg failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8").splitlines()
