"""The door's ``write_file``: an output file is written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpdesk.extension import FileWriteError, write_file


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out" / "danh-sach.xlsx"
    assert write_file(target, b"first") == target
    write_file(target, "bản thứ hai".encode())
    assert target.read_bytes() == "bản thứ hai".encode()
    assert [p.name for p in target.parent.iterdir()] == ["danh-sach.xlsx"]  # no temp file left


def test_a_write_that_cannot_happen_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    blocker = folder / "not-a-folder"
    blocker.write_bytes(b"")
    with pytest.raises(FileWriteError) as failed:
        write_file(blocker / "report.pdf", b"%PDF")
    assert "Cannot write" in str(failed.value) and failed.value.exit_code == 2
    assert sorted(p.name for p in folder.iterdir()) == ["not-a-folder"]
