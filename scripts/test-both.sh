#!/usr/bin/env bash
# `make test`: the suite on SQLite and on PostgreSQL at the same time (the machine has two
# cores and each run waits on browsers, servers and sleeps much of the time), each line
# prefixed with its database; fails if either run fails. The two runs share nothing that
# one could change under the other: their own pytest temp folders and databases, their own
# Redis database for the live chat tests and their own Socket.IO channel (Redis pub/sub
# channels are not per database).
set -uo pipefail
cd "$(dirname "$0")/.."

run() {  # run NAME MAKE-TARGET ENV...
  local name="$1" target="$2"
  shift 2
  env "$@" PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} -p no:cacheprovider --basetemp=/tmp/ordertalk-pytest-$name-$$" \
    make --no-print-directory "$target" 2>&1 | sed -u "s/^/[$name] /"
}

run sqlite test-sqlite SOCKETIO_CHANNEL="ordertalk-test-sqlite-$$" \
  CHAT_TEST_REDIS_URL=redis://127.0.0.1:6379/13 &
sqlite=$!
run postgres test-postgres SOCKETIO_CHANNEL="ordertalk-test-postgres-$$" \
  CHAT_TEST_REDIS_URL=redis://127.0.0.1:6379/15 CLUSTER_TEST_REDIS_URL=redis://127.0.0.1:6379/12 &
postgres=$!

status=0
wait "$sqlite" || { echo "make test: the SQLite run failed (lines marked [sqlite])"; status=1; }
wait "$postgres" || { echo "make test: the PostgreSQL run failed (lines marked [postgres])"; status=1; }
rm -rf "/tmp/ordertalk-pytest-sqlite-$$" "/tmp/ordertalk-pytest-postgres-$$"
exit "$status"
