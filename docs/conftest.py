"""The book's code blocks under pytest (pytest-codeblocks): a failed shell block reported readably.

pytest-codeblocks reports a failure by the first argument of its exception, which for a shell
block is the exit status, a bare number: pytest-xdist cannot send that from a worker, and the
whole run ends in an INTERNALERROR instead of naming the block.
"""

import subprocess

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(call.excinfo.value, subprocess.CalledProcessError):
        failed = call.excinfo.value
        report.longrepr = (
            f"{item.name}: the shell block exited with status {failed.returncode}\n"
            f"{failed.cmd}\n{(failed.stderr or b'').decode(errors='replace')}"
        )
