"""The home menu's order by role: a role's own workflows first, then by ``order``; an
admin (who works no desk of their own) gets the plain order."""

from __future__ import annotations

from helpdesk.app import menu_for
from helpdesk.extension import Workflow

WORKFLOWS = (
    Workflow("handover", "Bàn giao", "Handover", "m:a", order=10),
    Workflow("pin_unlock", "Mở khóa", "Unlock", "m:a", order=30),
    Workflow("roster", "Danh sách", "Roster", "m:a", role="admin", order=40),
    Workflow("training_checkin", "Điểm danh", "Check-in", "m:a", role="trainer", order=50),
    Workflow("training_stats", "Thống kê lớp", "Class figures", "m:a", role="trainer", order=60),
)


def ids(role: str) -> list[str]:
    return [w.id for w in menu_for(role, WORKFLOWS)]


def test_a_trainer_sees_the_training_workflows_first_then_the_desk_ones() -> None:
    assert ids("trainer") == ["training_checkin", "training_stats", "handover", "pin_unlock"]


def test_an_operator_sees_only_the_desk_workflows_in_order() -> None:
    assert ids("operator") == ["handover", "pin_unlock"]


def test_an_admin_sees_everything_in_plain_order_handover_first() -> None:
    assert ids("admin") == ["handover", "pin_unlock", "roster", "training_checkin", "training_stats"]
