"""Token handover (bàn giao): roster import, the handover workflow, the handover record.

Modules: ``columns`` (roster header matching), ``roster`` (parse, validate, import),
``checks`` (is this the right token for this holder?), ``record`` (payload, validator,
per-year numbering, commit), ``form`` (the Decree-30 PDF), ``service`` (render,
archive, print, reprint), ``export`` (.xlsx), ``cli``, ``screens/`` (Textual) and
``plugin`` (the hook implementations the entry point names).
"""

__version__ = "0.1.0"
