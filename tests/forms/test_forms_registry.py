"""FormRegistry: plugins register builders by name; the host renders by name."""

from __future__ import annotations

from typing import Any

import pytest

from helpdesk.config import Organisation
from helpdesk.forms import FormDocument, FormError, FormRegistry
from helpdesk.forms.sample import build_handover, sample_record
from helpdesk.testing.pdftools import pdf_text


def test_register_and_render_by_name() -> None:
    registry = FormRegistry()
    registry.register("handover.sample", build_handover)
    assert registry.names() == ["handover.sample"]
    assert "handover.sample" in registry
    pdf = registry.render("handover.sample", Organisation(code="SNV"), sample_record())
    assert pdf.startswith(b"%PDF")
    assert "Nguyễn Thị Ánh Tuyết" in pdf_text(pdf)


def test_duplicate_and_unknown_names_are_clear_errors() -> None:
    registry = FormRegistry()
    registry.register("receipt", build_handover)
    with pytest.raises(FormError) as caught:
        registry.register("receipt", build_handover)
    assert caught.value.localized() == "Biểu mẫu receipt đã được đăng ký"
    with pytest.raises(FormError) as missing:
        registry.build("nope", Organisation(), {})
    assert missing.value.localized() == "Không có biểu mẫu nào tên nope"


@pytest.mark.parametrize("name", ["", "a b", "x/y"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(FormError):
        FormRegistry().register(name, build_handover)


def test_builder_gets_the_organisation_and_record() -> None:
    seen: list[Any] = []

    def builder(org: Organisation, record: Any) -> FormDocument:
        seen.append((org, record))
        return build_handover(org, record)

    registry = FormRegistry()
    registry.register("x", builder)
    org = Organisation(name="SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    doc = registry.build("x", org, sample_record())
    assert seen == [(org, sample_record())] and doc.org is org
