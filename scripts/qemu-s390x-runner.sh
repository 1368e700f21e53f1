#!/usr/bin/env bash
# Cargo's runner for s390x-unknown-linux-gnu (.cargo/config.toml): runs the
# binary under qemu-user with the cross libc as sysroot.
#
# qemu-user 7.2 (Debian 12) can deadlock a child process forked while other
# guest threads run: the child hangs in a futex before it execs (seen in the
# tests that start index servers). A run that exceeds
# RESOLVER_QEMU_TIMEOUT seconds (default 900) is therefore stopped and run
# once more, saying so loudly; a second hang fails. A real hang in the code
# hangs twice and still fails.
set -u
limit="${RESOLVER_QEMU_TIMEOUT:-900}"
for attempt in 1 2; do
    timeout --kill-after=10 "$limit" qemu-s390x -L /usr/s390x-linux-gnu "$@"
    status=$?
    if [[ $status -ne 124 && $status -ne 137 ]]; then
        exit "$status"
    fi
    echo "qemu-s390x-runner: $1 ran over ${limit} s under qemu-user (attempt $attempt); a known qemu-user fork deadlock is the usual cause" >&2
done
exit "$status"
