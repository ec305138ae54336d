#!/usr/bin/env bash
# Restart script for Kafka-protocol test brokers (testkit/kafka), used as a local spec's `brokers.restart.script`.
#
#   restart-testbroker.sh <absolute path of server.properties>
#
# Test brokers of one cluster live in one process (they share one in-memory cluster model), so a signal cannot say
# which broker to restart. Each broker instead listens on a loopback control port written to
# "<properties>.control"; this script sends it "restart" and prints its one-line JSON answer, which arrives once
# the broker has stopped (it comes back, re-reading server.properties, after its restart delay).
# Exit codes: 0 restarting, 2 bad argument, 3 no usable control file, 4 broker unreachable or refused.
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
control="${props}.control"
if [[ ! -f "$control" ]]; then
  echo "no control file next to the properties file (${control}): is the broker running?" >&2
  exit 3
fi
port="$(head -c 16 -- "$control" | tr -d '[:space:]')"
if [[ ! "$port" =~ ^[1-9][0-9]{0,4}$ ]]; then
  echo "control file ${control} does not hold a port" >&2
  exit 3
fi
if ! exec 3<>"/dev/tcp/127.0.0.1/${port}"; then
  echo "broker control port ${port} is not reachable" >&2
  exit 4
fi
printf 'restart\n' >&3
reply=''
if ! IFS= read -r -t 30 reply <&3; then
  echo "no answer from the broker on control port ${port}" >&2
  exit 4
fi
exec 3>&-
if [[ "$reply" != *'"result":"restarting"'* ]]; then
  echo "broker refused the restart: ${reply}" >&2
  exit 4
fi
printf '%s\n' "$reply"
