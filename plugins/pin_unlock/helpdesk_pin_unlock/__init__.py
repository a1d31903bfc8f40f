"""PIN recovery and token unlock (khôi phục mật khẩu – mở khóa thiết bị), PIN change.

The hook implementations are in :mod:`helpdesk_pin_unlock.plugin` (the entry point);
nothing heavy is imported here.
"""

__version__ = "0.1.0"
