"""New-PIN policy, SO-PIN guard, plugin settings and the Vietnamese catalog."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from helpdesk_pin_unlock import rules
from helpdesk_pin_unlock.plugin import spec
from helpdesk_pin_unlock.rules import (
    USER_STATES,
    PinPolicy,
    SoPinUnavailable,
    UnlockRefused,
    UnlockSettings,
    check_new_pin,
    is_simple_sequence,
    policy_for,
    unlock_settings,
)

from helpdesk.extension import ConfigError, PinPolicyError, Secret, TokenFlags, TokenInfo
from helpdesk.testing.kit import add_catalog_dir, catalog, load_settings

PACKAGE = Path(__file__).parents[1] / "helpdesk_pin_unlock"


@pytest.fixture(autouse=True)
def plugin_catalog() -> None:
    assert spec.locale is not None
    add_catalog_dir(spec.locale)


def token(low: int = 4, high: int = 255, **flags: bool) -> TokenInfo:
    return TokenInfo(serial="A1B2C3D4", label="VGCA Token", manufacturer="m", model="x", module="softhsm",
                     flags=TokenFlags(token_initialized=True, **flags), min_pin_len=low, max_pin_len=high)


def test_length_range_is_the_token_range_intersected_with_settings() -> None:
    desk = UnlockSettings(pin_min_length=6, pin_max_length=16)
    assert policy_for(token(4, 255), desk) == PinPolicy(6, 16)
    assert policy_for(token(4, 8), desk) == PinPolicy(6, 8)  # Bit4id-like limits
    assert policy_for(token(8, 64), desk) == PinPolicy(8, 16)  # SafeNet-like limits
    assert policy_for(token(0, 0), desk) == PinPolicy(6, 16)  # library does not say
    with pytest.raises(PinPolicyError) as caught:
        policy_for(token(20, 32), desk)
    assert "không khớp" in caught.value.localized()


@pytest.mark.parametrize(("new", "again", "words"), [
    ("5820", "5820", "từ 6 đến 16 ký tự"),
    ("58203917582039175", "58203917582039175", "từ 6 đến 16 ký tự"),
    ("582039", "582093", "không giống nhau"),
    ("777777", "777777", "lặp lại"),
    ("234567", "234567", "dãy liên tiếp"),
    ("765432", "765432", "dãy liên tiếp"),
    ("890123", "890123", "dãy liên tiếp"),
    ("abcdefg", "abcdefg", "dãy liên tiếp"),
    ("58 2039", "58 2039", "không có khoảng trắng"),
    ("mậtkhẩu1", "mậtkhẩu1", "chữ không dấu"),
])
def test_bad_new_pins_are_refused_in_vietnamese(new: str, again: str, words: str) -> None:
    with pytest.raises(PinPolicyError) as caught:
        check_new_pin(PinPolicy(6, 16), Secret(new), Secret(again))
    assert words in caught.value.localized()
    assert new not in str(caught.value) and new not in caught.value.localized()


@pytest.mark.parametrize("good", ["582039", "Hq7#2xLm", "135790", "112358", "ab12cd"])
def test_good_new_pins_pass(good: str) -> None:
    check_new_pin(PinPolicy(6, 16), Secret(good), Secret(good))


def test_simple_sequence_detection() -> None:
    assert is_simple_sequence("0123") and is_simple_sequence("9876") and is_simple_sequence("FEDCBA")
    assert not is_simple_sequence("135790") and not is_simple_sequence("1") and not is_simple_sequence("1233")


def test_guard_routes_by_the_flags_the_token_reports() -> None:
    assert rules.unlock_route(token(), held=True) == "so_pin"
    assert rules.unlock_route(token(so_pin_count_low=True), held=True) == "so_pin"
    assert rules.unlock_route(token(so_pin_final_try=True), held=True) == "so_pin_final_try"
    assert rules.unlock_route(token(so_pin_locked=True), held=True) == "so_pin_locked"
    assert rules.unlock_route(token(), held=False) == "so_pin_not_held"
    assert rules.unlock_route(token(so_pin_locked=True), held=False) == "so_pin_locked"


def test_guard_refuses_final_try_without_the_typed_confirmation() -> None:
    final = token(so_pin_final_try=True)
    for typed in ("", "xac", "XAC NHAN NGAY", "ok"):
        with pytest.raises(UnlockRefused) as caught:
            rules.check_so_attempt(final, held=True, confirmation=typed)
        assert "chỉ còn một lần thử" in caught.value.localized()
    for typed in ("XAC NHAN", "xác nhận", "  Xác   Nhận "):
        rules.check_so_attempt(final, held=True, confirmation=typed)
    rules.check_so_attempt(token(), held=True)  # no confirmation needed otherwise


def test_guard_sends_locked_or_foreign_so_pins_to_the_issuer() -> None:
    with pytest.raises(SoPinUnavailable) as locked:
        rules.check_so_attempt(token(so_pin_locked=True), held=True, confirmation="XAC NHAN")
    assert "Mẫu 06" in locked.value.localized() and "đã bị khóa" in locked.value.localized()
    with pytest.raises(SoPinUnavailable) as foreign:
        rules.check_so_attempt(token(), held=False)
    assert "không giữ mã quản trị" in foreign.value.localized()


def test_settings_section(settings_text) -> None:  # type: ignore[no-untyped-def]
    assert unlock_settings(load_settings()) == UnlockSettings()
    settings_text('[pin_unlock]\npin_min_length = 8\nso_pin_held = ["VGCA*", "ab12*"]\n'
                  '[pin_unlock.contact]\nname = "Trần Văn Bình"\nphone = "0292 3820 123"\n')
    cfg = unlock_settings(load_settings())
    assert (cfg.pin_min_length, cfg.pin_max_length) == (8, 16)
    assert cfg.contact.name == "Trần Văn Bình" and cfg.contact.phone == "0292 3820 123"
    assert cfg.holds_so_pin(token()) and cfg.holds_so_pin(replace(token(), label="Other", serial="ab12ff"))
    assert not cfg.holds_so_pin(replace(token(), label="SafeNet", serial="99"))
    settings_text("[pin_unlock]\npin_min_length = 20\npin_max_length = 8\n")
    with pytest.raises(ConfigError):
        unlock_settings(load_settings())
    settings_text("[pin_unlock]\npin_min_length = \"six\"\n")
    with pytest.raises(ConfigError) as caught:
        unlock_settings(load_settings())
    assert "số nguyên" in caught.value.localized()


def _msgids() -> set[str]:
    """English msgids the plugin shows: _()/gettext() literals, error messages, titles."""
    errors = {"IdentityError", "UnlockRefused", "SoPinUnavailable", "PinPolicyError", "PinLocked",
              "PinIncorrect", "TokenError", "HelpdeskError", "TokenNotFound", "ConfigError"}
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if (name in ("_", "gettext") or name in errors) and isinstance(node.args[0].value, str):
                    found.add(node.args[0].value)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and any(
                    getattr(t, "id", "") in ("title", "TITLE_MSGID") for t in node.targets):
                found.add(node.value.value)
    found |= {text for text, _sev in USER_STATES.values()}
    return {m for m in found if m}


def test_every_message_has_a_vietnamese_translation() -> None:
    vietnamese = catalog("vi")
    msgids = _msgids()
    assert len(msgids) > 100
    missing = sorted(m for m in msgids if m not in vietnamese)
    assert not missing, missing
