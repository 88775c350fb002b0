"""In CI (DANGKE_CI set by .ci/run) a test that needs a real component must run: a skip of any test
marked s3, nginx, live or faults is turned into a failure, whatever made it skip."""

import os

import pytest

REAL_COMPONENT_MARKERS = ("s3", "nginx", "live", "faults")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("DANGKE_CI")) or hasattr(report, "wasxfail"):
        return
    markers = [name for name in REAL_COMPONENT_MARKERS if item.get_closest_marker(name)]
    if not markers:
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = (f"DANGKE_CI: a test marked {', '.join(markers)} needs its real component and may never "
                       f"be skipped in CI; it was skipped: {reason}")
