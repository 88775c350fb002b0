#!/usr/bin/env bash
# make test: the suite in N parts side by side, one per core (tests/sharding.py says how files are
# split). Each part's lines carry its number; the run fails when any part fails.
# Usage: tests/run_in_parts.sh PYTHON N [pytest args...]
set -uo pipefail
python=$1 parts=$2
shift 2
if [ "$parts" -le 1 ]; then
    exec "$python" -m pytest "$@"
fi
pids=()
for k in $(seq 1 "$parts"); do
    (
        DANGKE_TEST_SHARD=$k "$python" -m pytest -p no:cacheprovider --shard "$k/$parts" "$@" 2>&1 \
            | sed -u "s/^/[part $k] /"
        rc=${PIPESTATUS[0]}
        # 5: the filter left this part no test at all (a small PYTEST_ARGS selection), not a failure.
        [ "$rc" -eq 5 ] && rc=0
        exit "$rc"
    ) &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
[ "$status" -eq 0 ] && echo "All $parts parts passed." || echo "A part failed: search the output for 'FAILED' or 'ERROR'."
exit "$status"
