"""`--shard K/N` runs the K-th of N parts of the suite, so `make test` can use both cores without xdist.

Whole files go to one part (their module fixtures - nginx, chromium, a search engine - start once),
balanced by the seconds each file took when the weights were last recorded (tests/shard_weights.json,
refreshed by `make shard-weights`). Each part is an ordinary pytest run: pytest-django still puts its
transactional tests last, which xdist's distribution would break.
"""

import json
from collections import defaultdict
from pathlib import Path

import pytest

WEIGHTS_FILE = Path(__file__).with_name("shard_weights.json")
# A file the weights do not know yet (a new test file) counts as this many seconds per test.
UNKNOWN_SECONDS_PER_TEST = 0.5


def pytest_addoption(parser):
    group = parser.getgroup("dangke")
    group.addoption("--shard", default=None, metavar="K/N", help="run the K-th of N parts of the suite")
    group.addoption("--record-shard-weights", action="store_true",
                    help=f"write each file's seconds to {WEIGHTS_FILE.name}")


def parse_shard(value: str) -> tuple[int, int]:
    try:
        index, count = (int(part) for part in value.split("/"))
    except ValueError:
        raise pytest.UsageError(f"--shard takes K/N (e.g. 1/2), not {value!r}") from None
    if not 1 <= index <= count:
        raise pytest.UsageError(f"--shard {value}: K must be between 1 and N")
    return index, count


def assign_files(test_counts: dict[str, int], weights: dict[str, float], count: int) -> dict[str, int]:
    """Longest file first onto the lightest part (deterministic: ties broken by path)."""
    def weight(path):
        return weights.get(path, UNKNOWN_SECONDS_PER_TEST * test_counts[path])

    loads = [0.0] * count
    assignment = {}
    for path in sorted(test_counts, key=lambda p: (-weight(p), p)):
        part = min(range(count), key=lambda i: (loads[i], i))
        assignment[path] = part + 1
        loads[part] += weight(path)
    return assignment


def _file_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


def pytest_collection_modifyitems(config, items):
    value = config.getoption("--shard")
    if not value:
        return
    index, count = parse_shard(value)
    weights = json.loads(WEIGHTS_FILE.read_text()) if WEIGHTS_FILE.exists() else {}
    test_counts = defaultdict(int)
    for item in items:
        test_counts[_file_of(item)] += 1
    assignment = assign_files(test_counts, weights, count)
    selected = [item for item in items if assignment[_file_of(item)] == index]
    deselected = [item for item in items if assignment[_file_of(item)] != index]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    items[:] = selected


class _WeightRecorder:
    def __init__(self):
        self.seconds = defaultdict(float)

    def pytest_runtest_logreport(self, report):
        self.seconds[report.nodeid.split("::", 1)[0]] += report.duration

    def pytest_sessionfinish(self):
        weights = {path: round(seconds, 1) for path, seconds in sorted(self.seconds.items())}
        WEIGHTS_FILE.write_text(json.dumps(weights, indent=1, ensure_ascii=False) + "\n")


def pytest_configure(config):
    if config.getoption("--record-shard-weights", default=False):
        config.pluginmanager.register(_WeightRecorder(), "dangke-shard-weights")
