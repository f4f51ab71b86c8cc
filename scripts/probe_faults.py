"""Probe rnn-train and rnn-sample with faults and hostile input: the fault cases of the test
suite, run and tallied by class.

    python scripts/probe_faults.py          # a few minutes

The cases live in tests/test_faults.py, one section per class of fault (its `# N. Class ---`
headings), and in tests/test_training.py (bad data, bad checkpoints, resume). This script runs
those two files with pytest, so there is one copy of each case, and prints a Markdown table: the
class, its cases, how many were handled (passed), and the names of any that were not.
"""

import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [ROOT / "tests" / "test_faults.py", ROOT / "tests" / "test_training.py"]
HEADING = re.compile(r"^# \d+\. (.+?) -+$")


def classes():
    """Each test function's class of fault: the section heading above it, or its file's."""
    owner = {}
    for path in FILES:
        current = f"the training program ({path.name})"
        for line in path.read_text(encoding="utf-8").splitlines():
            if heading := HEADING.match(line):
                current = heading[1]
            elif test := re.match(r"def (test_\w+)", line):
                owner[test[1]] = current
    return owner


def main():
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "faults.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        *map(str, FILES), f"--junitxml={report}"], cwd=ROOT, check=False)
        tally, owner = defaultdict(list), classes()
        for case in ET.parse(report).getroot().iter("testcase"):
            failed = case.find("failure") is not None or case.find("error") is not None
            skipped = case.find("skipped") is not None
            function = case.get("name").split("[")[0]
            tally[owner.get(function, "other")].append((case.get("name"), failed, skipped))
    print("| class | cases | handled | skipped | not handled |")
    print("|---|--:|--:|--:|---|")
    for name, cases in tally.items():
        bad = [case for case, failed, _ in cases if failed]
        handled = sum(not failed and not skipped for _, failed, skipped in cases)
        skipped = sum(skipped for *_, skipped in cases)
        print(f"| {name} | {len(cases)} | {handled} | {skipped} | {', '.join(bad)} |")
    return 1 if any(failed for cases in tally.values() for _, failed, _ in cases) else 0


if __name__ == "__main__":
    sys.exit(main())
