"""The seal's QR code: the very modules ReportLab's encoder makes, made and drawn faster.

ReportLab's ``QRCode.make()`` draws the whole symbol 8 times (once per mask pattern) and
scores each with list-of-bools loops, rebuilds the Reed-Solomon generator polynomial
for every symbol, and ``QrCode.draw`` formats four numbers per rectangle in pure
Python: together about 40 % of a handover form's render. Here:

* :func:`codewords` is ``QRCode.createData`` with each generator polynomial made once
  per process and the division done as a shift register;
* :class:`SealQRCode` keeps the rest of ReportLab's encoder (placement, format bits) and
  scores the 8 candidates on bit rows: the placement under mask 0 is built once, the
  others are XORs of precomputed per-row masks over the data modules only;
* :func:`qr_path` draws the runs of dark modules where ``QrCode.draw`` draws them, as
  one path.

The penalty rules are ReportLab's *as ReportLab computes them*, quirks included, so the
chosen mask — hence every module — is the one ``make()`` picks:

* rule 1: runs of 5+ equal modules in rows and columns, ``length - 2`` each;
* rule 2: 3 per 2×2 block of one colour;
* rule 3: 40 per ``1011101 0000`` found left to right in a row, non-overlapping, the
  last start position not tried (ReportLab's ``while j < maxj``); never in columns
  (there ReportLab compares a tuple with a list, which is never equal);
* rule 4: ``10 * (abs(100 * dark // cells - 50) // 5)``;
* the first of equal minima wins; candidates are scored with the format and version
  bits light, as ReportLab's ``makeImpl(test=True)`` leaves them.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from reportlab.graphics.barcode import qrencoder

_RUN5 = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = "10111010000"
# version -> for each mask k, per-row ints with a bit set where mask k and mask 0 differ on
# a data module: XOR-ing them turns the placement under mask 0 into the one under mask k
_DELTAS: dict[int, list[list[int]]] = {}
_POSITIONS: dict[int, list[tuple[int, int]]] = {}  # version -> data module (col, row), in bit order
_FLIPS: dict[tuple[int, int], list[bool]] = {}  # (version, mask) -> does the mask flip each position
_GENERATORS: dict[int, list[int]] = {}  # error-correction bytes per block -> generator polynomial


def _row_bits(modules: list[list[bool]], n: int) -> list[int]:
    """Each row as an int, column 0 in the highest bit (so ``format(.., 'b')`` reads left to right)."""
    return [int("".join("1" if m else "0" for m in row), 2) for row in modules]


def _deltas(version: int, n: int, positions: list[tuple[int, int]]) -> list[list[int]]:
    deltas = _DELTAS.get(version)
    if deltas is None:
        masks = []
        for k in range(8):
            flip = qrencoder.QRUtil.getMask(k)
            rows = [0] * n
            for col, row in positions:
                if flip(row, col):
                    rows[row] |= 1 << (n - 1 - col)
            masks.append(rows)
        deltas = [[a ^ b for a, b in zip(masks[0], mask, strict=True)] for mask in masks]
        _DELTAS[version] = deltas
    return deltas


def lost_points(rows: list[int], n: int) -> int:
    """ReportLab's ``QRUtil.getLostPoint`` for a symbol given as bit rows (see module doc)."""
    width = f"0{n}b"
    lines = [format(v, width) for v in rows]
    columns = ["".join(c) for c in zip(*lines, strict=True)]
    runs = _RUN5.findall("2".join(lines + columns))
    score = sum(map(len, runs)) - 2 * len(runs)
    pairs = (1 << (n - 1)) - 1  # bit i stands for the block of columns i and i+1
    blocks = 0
    for upper, lower in itertools.pairwise(rows):
        differs = upper ^ lower
        blocks += (~(differs | (differs >> 1) | (upper ^ (upper >> 1))) & pairs).bit_count()
    score += 3 * blocks
    score += 40 * sum(line[:-1].count(_FINDER_LIKE) for line in lines)
    dark = sum(v.bit_count() for v in rows)
    return score + 10 * (abs(100 * dark // (n * n) - 50) // 5)


def _generator(ec_count: int) -> list[int]:
    """ReportLab's Reed-Solomon generator polynomial (leading 1 first), made once per size."""
    generator = _GENERATORS.get(ec_count)
    if generator is None:
        generator = _GENERATORS[ec_count] = list(qrencoder.QRUtil.getErrorCorrectPolynomial(ec_count).num)
    return generator


def _remainder(data: list[int], generator: list[int]) -> list[int]:
    """(data · x^ec) mod generator over GF(256): the block's ``ec`` error-correction bytes,
    leading zeros kept, as ReportLab's ``QRPolynomial.mod`` gives them (shift-register form)."""
    exp, log = qrencoder.EXP_TABLE, qrencoder.LOG_TABLE
    logs = [log[c] for c in generator[1:]]  # generator[0] is 1
    rest = [0] * len(logs)
    for byte in data:
        factor = byte ^ rest.pop(0)
        rest.append(0)
        if factor:
            shift = log[factor]
            for i, lg in enumerate(logs):
                rest[i] ^= exp[(lg + shift) % 255]
    return rest


def codewords(version: int, level: int, data_list: list[Any]) -> list[int]:
    """``QRCode.createData(version, level, data_list)``: data bits, terminator, padding,
    then the blocks' data and error-correction bytes interleaved — with each generator
    polynomial made once per process and the division done in place."""
    blocks = qrencoder.QRRSBlock.getRSBlocks(version, level)
    buffer = qrencoder.QRBitBuffer()
    for data in data_list:
        data.write(buffer, version)
    capacity = sum(block.dataCount for block in blocks)
    if buffer.getLengthInBits() > capacity * 8:  # let ReportLab raise its own error
        return list(qrencoder.QRCode.createData(version, level, data_list))
    if buffer.getLengthInBits() + 4 <= capacity * 8:
        buffer.put(0, 4)  # terminator
    while buffer.getLengthInBits() % 8:
        buffer.putBit(False)
    padded = list(buffer.buffer)
    padded += itertools.islice(itertools.cycle((qrencoder.QRCode.PAD0, qrencoder.QRCode.PAD1)), capacity - len(padded))
    data_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        chunk = padded[offset : offset + block.dataCount]
        offset += block.dataCount
        data_blocks.append(chunk)
        ec_blocks.append(_remainder(chunk, _generator(block.totalCount - block.dataCount)))
    return [
        byte
        for column in itertools.chain(itertools.zip_longest(*data_blocks), itertools.zip_longest(*ec_blocks))
        for byte in column
        if byte is not None
    ]


class SealQRCode(qrencoder.QRCode):  # type: ignore[misc]  # ReportLab is untyped
    """``qrencoder.QRCode`` whose ``make()`` picks the same mask about 8x faster."""

    dataCache: list[int] | None  # ReportLab's attributes (set in its __init__)
    dataList: list[Any]
    version: int
    errorCorrectLevel: int
    modules: list[list[bool]]
    moduleCount: int

    def dataPosIterator(self) -> list[tuple[int, int]]:  # ReportLab's name; shared per version
        positions = _POSITIONS.get(self.version)
        if positions is None:
            positions = _POSITIONS[self.version] = list(super().dataPosIterator())
        return positions

    def mapData(self, data: list[int], maskPattern: int) -> None:  # ReportLab's name
        positions = self.dataPosIterator()
        bits = list(self.dataBitIterator(data))
        if len(bits) > len(positions):  # cannot happen for a valid symbol: let ReportLab fail
            super().mapData(data, maskPattern)
            return
        flips = _FLIPS.get((self.version, maskPattern))
        if flips is None:
            mask = qrencoder.QRUtil.getMask(maskPattern)
            flips = _FLIPS[self.version, maskPattern] = [bool(mask(row, col)) for col, row in positions]
        bits += [False] * (len(positions) - len(bits))  # ReportLab's zip_longest fill
        modules = self.modules
        for (col, row), dark, flip in zip(positions, bits, flips, strict=True):
            modules[row][col] = dark ^ flip

    def getBestMaskPattern(self) -> int:  # ReportLab's name
        if self.dataCache is None:  # makeImpl() would call QRCode.createData
            self.dataCache = codewords(self.version, self.errorCorrectLevel, self.dataList)
        self.makeImpl(True, 0)  # function patterns, format bits light, data under mask 0
        n = self.moduleCount
        base = _row_bits(self.modules, n)
        deltas = _deltas(self.version, n, self.dataPosIterator())
        best, best_score = 0, 0
        for k in range(8):
            rows = [b ^ d for b, d in zip(base, deltas[k], strict=True)] if k else base
            score = lost_points(rows, n)
            if k == 0 or best_score > score:
                best, best_score = k, score
        return best


def qr_matrix(data: str, level: str = "M") -> list[list[bool]]:
    """The modules (rows of dark = True) of ``data``: those ``QRCode.make()`` gives."""
    code = SealQRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(data)
    code.make()
    return [[bool(m) for m in row] for row in code.modules]


def _num(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".")


def qr_path(modules: list[list[bool]], width: float, height: float, border: int) -> str:
    """PDF path operators that fill the dark modules, as ReportLab's ``QrCode.draw`` lays
    them out (one rectangle per run of dark modules in a row, 5 % taller so rows join;
    origin at the symbol's bottom left, quiet zone of ``border`` modules included).

    ``QrCode.draw`` makes one ``canvas.rect`` per run, each formatting four numbers with
    ReportLab's pure-Python ``fp_str``: ~300 of them cost several ms per page. Here every
    coordinate is formatted once, and the runs are one path filled once (non-zero rule:
    the overlaps stay dark)."""
    n = len(modules)
    xsize, ysize = width / (n + 2 * border), height / (n + 2 * border)
    xs = [_num((c + border) * xsize) for c in range(n)]
    ws = [_num(count * xsize) for count in range(n + 1)]
    h = _num(ysize * 1.05)
    ops = []
    for r, row in enumerate(modules):
        y = _num(height - (r + border + 1) * ysize)
        c = 0
        for dark, run in itertools.groupby(row):
            count = len(list(run))
            if dark:
                ops.append(f"{xs[c]} {y} {ws[count]} {h} re")
            c += count
    return "\n".join([*ops, "f"]) if ops else ""
