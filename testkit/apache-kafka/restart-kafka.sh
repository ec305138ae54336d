#!/usr/bin/env bash
# Restart script for a real Apache Kafka node of the test bed, used as a local spec's `brokers.restart.script`
# (what `systemctl restart kafka` is on a VM):
#
#   restart-kafka.sh <absolute path of server.properties> [TERM|KILL]
#
# Stops the node's JVM with SIGTERM (Kafka's controlled shutdown: leaderships moved, out of the ISRs, fenced), waits
# for the process to exit (SIGKILL after 120 s, as systemd's stop timeout would), then starts it again with
# kafka-start.sh next to the properties file, which re-reads the (edited) file. With KILL it stops the JVM with
# SIGKILL instead (an unclean stop: OOM killer, a stop timeout). Exits once the new JVM is launched; whether Kafka
# comes back is for the health gate to see.
# Exit codes: 0 restarted, 2 bad argument, 3 no start script or pid file, 4 the JVM did not stop, 5 start failed.
set -euo pipefail
export LC_ALL=C

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo 'usage: restart-kafka.sh <absolute path of server.properties> [TERM|KILL]' >&2
  exit 2
fi
props="$1"
signal="${2:-TERM}"
if [[ ! "$props" =~ ^/[A-Za-z0-9._@+/-]*$ ]] || [[ "/$props/" == */../* ]]; then
  echo 'properties path must be absolute and use only letters, digits and . _ @ + - /' >&2
  exit 2
fi
if [[ "$signal" != TERM && "$signal" != KILL ]]; then
  echo "signal must be TERM or KILL, got ${signal}" >&2
  exit 2
fi
dir="$(dirname -- "$props")"
start="${dir}/kafka-start.sh"
pidfile="${dir}/kafka.pid"
if [[ ! -x "$start" ]]; then
  echo "no executable ${start}: this host has no Kafka node" >&2
  exit 3
fi

if [[ -f "$pidfile" ]]; then
  pid="$(head -c 16 -- "$pidfile" | tr -d '[:space:]')"
  if [[ "$pid" =~ ^[1-9][0-9]*$ ]] && kill -0 "$pid" 2>/dev/null; then
    kill "-${signal}" "$pid"
    for _ in $(seq 1 1200); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      if kill -0 "$pid" 2>/dev/null; then
        echo "the Kafka JVM ${pid} did not stop" >&2
        exit 4
      fi
    fi
  fi
fi

if ! "$start"; then
  echo "${start} failed" >&2
  exit 5
fi
printf '{"result":"restarted","signal":"%s","pid":%s}\n' "$signal" "$(cat "$pidfile")"
