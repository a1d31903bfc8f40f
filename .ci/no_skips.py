"""Fail a CI run whose pytest JUnit report lists a skipped (or xfailed) test.

Usage: ``python .ci/no_skips.py REPORT.xml``. Prints each skipped test with its reason.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(path: str) -> int:
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    skipped = [(case, skip) for case in cases for skip in case.findall("skipped")]
    if not cases:
        print(f"no-skips: {path} lists no test case", file=sys.stderr)
        return 1
    for case, skip in skipped:
        reason = skip.get("message") or (skip.text or "").strip()
        print(f"SKIPPED {case.get('classname')}::{case.get('name')}: {reason}", file=sys.stderr)
    if skipped:
        print(f"no-skips: {len(skipped)} of {len(cases)} tests skipped; CI allows none", file=sys.stderr)
        return 1
    print(f"no-skips: {len(cases)} tests, none skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
