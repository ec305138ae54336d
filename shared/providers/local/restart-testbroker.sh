#!/usr/bin/env bash
# Restart script for the local provider's test brokers (testkit/kafka/cli.ts).
#
#   restart-testbroker.sh <absolute path of server.properties>
#
# The test broker writes its pid to "<properties>.pid"; SIGHUP makes it restart (re-read server.properties).
# The pid is validated before anything is signalled: the file must hold only a decimal pid, the process must be
# alive, and (where /proc exists) one of its arguments must be this very properties file, so a stale pid file can never
# make us signal an unrelated process that reused the pid. Exit codes: 0 signalled, 2 bad argument,
# 3 no usable pid file, 4 process not running or not the broker, 5 signal failed.
set -euo pipefail
export LC_ALL=C

if [[ $# -ne 1 ]]; then
  echo 'usage: restart-testbroker.sh <absolute path of server.properties>' >&2
  exit 2
fi
props="$1"
if [[ ! "$props" =~ ^/[A-Za-z0-9._@+/-]*$ ]] || [[ "/$props/" == */../* ]]; then
  echo 'properties path must be absolute and use only letters, digits and . _ @ + - /' >&2
  exit 2
fi
pidfile="${props}.pid"
if [[ ! -f "$pidfile" ]]; then
  echo "no pid file next to the properties file (${pidfile}): is the test broker running?" >&2
  exit 3
fi
pid="$(head -c 32 -- "$pidfile" | tr -d '[:space:]')"
if [[ ! "$pid" =~ ^[1-9][0-9]{0,9}$ ]]; then
  echo "pid file ${pidfile} does not hold a process id" >&2
  exit 3
fi
if ! kill -0 "$pid" 2>/dev/null; then
  echo "process ${pid} from ${pidfile} is not running" >&2
  exit 4
fi
if [[ -r "/proc/${pid}/cmdline" ]]; then
  # The broker was started with `--properties <file>`: one of its arguments must be this file, given absolute or
  # relative to the broker's working directory.
  cwd="$(readlink -- "/proc/${pid}/cwd" 2>/dev/null || true)"
  want="$(readlink -f -- "$props" 2>/dev/null || printf '%s' "$props")"
  match=no
  while IFS= read -r -d '' arg; do
    [[ -n "$arg" ]] || continue
    if [[ "$arg" == /* ]]; then candidate="$arg"; else candidate="${cwd}/${arg}"; fi
    resolved="$(readlink -f -- "$candidate" 2>/dev/null || printf '%s' "$candidate")"
    if [[ "$resolved" == "$want" ]]; then match=yes; break; fi
  done <"/proc/${pid}/cmdline"
  if [[ "$match" != yes ]]; then
    echo "process ${pid} was not started with ${props}; not signalling it" >&2
    exit 4
  fi
fi
if ! kill -HUP "$pid"; then
  echo "could not send SIGHUP to ${pid}" >&2
  exit 5
fi
echo "{\"result\":\"restarting\",\"pid\":${pid}}"
