"""The CI guard (tests/ci_guard.py): skipped real-component tests fail when DANGKE_CI is set."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = '''
import pytest

@pytest.mark.nginx
def test_needs_nginx():
    pytest.skip("nginx is not installed")

@pytest.mark.faults
@pytest.mark.skipif(True, reason="no redis-server")
def test_needs_redis():
    pass

def test_plain_skip():
    pytest.skip("not a real component")
'''


def run_sample(tmp_path, **env):
    (tmp_path / "conftest.py").write_text("from tests.ci_guard import pytest_runtest_makereport  # noqa\n")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    nginx: x\n    faults: x\n")
    environment = {k: v for k, v in os.environ.items() if k != "DANGKE_CI"}
    environment.update(env, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:django", "-p", "no:cacheprovider", "-q",
                           "-rA", str(tmp_path)], cwd=tmp_path, env=environment, capture_output=True, text=True)


def test_in_ci_a_skipped_real_component_test_fails(tmp_path):
    result = run_sample(tmp_path, DANGKE_CI="1")
    assert result.returncode == 1, result.stdout
    # The skip in the test body fails; the skipif mark (at setup) shows as an error: neither passes.
    assert "FAILED test_sample.py::test_needs_nginx" in result.stdout
    assert "ERROR test_sample.py::test_needs_redis" in result.stdout
    assert "1 skipped" in result.stdout  # the unmarked skip stays a skip
    assert "may never be skipped in CI" in result.stdout


def test_elsewhere_it_may_skip(tmp_path):
    result = run_sample(tmp_path)
    assert result.returncode == 0, result.stdout
    assert "3 skipped" in result.stdout
