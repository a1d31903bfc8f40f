"""Roster columns: the core's Mẫu 01 subscriber header rules (``SUBSCRIBER_HEADERS``,
through the door), under the names the handover plugin has always used."""

from __future__ import annotations

from helpdesk.extension import SUBSCRIBER_HEADERS, ColumnMap, SheetError, fold_header

#: A roster file or column mapping that cannot be used (the core's error, exit code 2).
ColumnError = SheetError

ALIASES = SUBSCRIBER_HEADERS.aliases
KEYWORDS = SUBSCRIBER_HEADERS.keywords
IGNORED = SUBSCRIBER_HEADERS.ignored
FIELDS = SUBSCRIBER_HEADERS.fields
REQUIRED = SUBSCRIBER_HEADERS.required

parse_mapping = SUBSCRIBER_HEADERS.parse_mapping
match_field = SUBSCRIBER_HEADERS.match
map_columns = SUBSCRIBER_HEADERS.map_columns
score = SUBSCRIBER_HEADERS.score

__all__ = ["ALIASES", "FIELDS", "IGNORED", "KEYWORDS", "REQUIRED", "ColumnError", "ColumnMap", "fold_header",
           "map_columns", "match_field", "parse_mapping", "score"]
