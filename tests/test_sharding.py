"""`make test` splits the suite into parts by file (tests/sharding.py)."""

import pytest

from tests.sharding import UNKNOWN_SECONDS_PER_TEST, assign_files, parse_shard


def test_every_file_goes_to_exactly_one_part_and_the_parts_balance():
    counts = {"a.py": 10, "b.py": 10, "c.py": 10, "d.py": 10}
    weights = {"a.py": 100.0, "b.py": 60.0, "c.py": 50.0, "d.py": 10.0}
    assignment = assign_files(counts, weights, 2)
    assert set(assignment) == set(counts)
    loads = {1: 0.0, 2: 0.0}
    for path, part in assignment.items():
        loads[part] += weights[path]
    # Longest first onto the lightest part: 100+10 against 60+50.
    assert sorted(loads.values()) == [110.0, 110.0]


def test_the_split_is_the_same_in_every_process():
    counts = {f"tests/t{i}.py": i + 1 for i in range(30)}
    assert assign_files(counts, {}, 3) == assign_files(dict(reversed(counts.items())), {}, 3)


def test_an_unknown_file_weighs_by_its_number_of_tests():
    counts = {"known.py": 1, "new.py": 40}
    assignment = assign_files(counts, {"known.py": 40 * UNKNOWN_SECONDS_PER_TEST - 1}, 2)
    assert assignment["new.py"] == 1 and assignment["known.py"] == 2


@pytest.mark.parametrize("value", ["2", "0/2", "3/2", "a/b"])
def test_a_bad_shard_is_a_usage_error(value):
    with pytest.raises(pytest.UsageError):
        parse_shard(value)


def test_parse_shard():
    assert parse_shard("2/3") == (2, 3)
