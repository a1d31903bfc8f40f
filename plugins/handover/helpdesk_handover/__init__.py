"""Token handover (bàn giao): roster import, the handover workflow, the handover record.

The handover, top to bottom: ``plugin`` (what the plugin registers: a ``PluginSpec``),
``screens/handover`` (the workflow screen), ``checks`` (is this the right token for this
holder?), ``record`` (payload, validator, numbered commit, the paper printed), ``form``
(the Decree-30 PDF). Around it: ``columns``/``roster``/``xlsx`` (roster import),
``history`` and ``export`` (look-up, reprint, .xlsx), ``cli``, ``screens/roster`` and
``screens/history``. Everything from the core comes through ``helpdesk.extension``.
"""

__version__ = "0.1.0"
