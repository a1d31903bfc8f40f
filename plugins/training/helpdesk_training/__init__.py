"""Training classes (tập huấn) for Kế hoạch 119/KH-UBND: classes of 30, rosters, check-in
by token (optionally with PIN proof), sign-in and attendance sheets, plan and cost figures.

Built only on :mod:`helpdesk.extension`; the hook module is :mod:`helpdesk_training.plugin`.
"""

__version__ = "0.1.0"
