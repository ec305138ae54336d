#!/usr/bin/env bash
# Like restart-kafka.sh, but the JVM is stopped with SIGKILL (an unclean stop), then started again.
#   kill-restart-kafka.sh <absolute path of server.properties>
set -euo pipefail
if [[ $# -ne 1 ]]; then
  echo 'usage: kill-restart-kafka.sh <absolute path of server.properties>' >&2
  exit 2
fi
exec "$(dirname -- "${BASH_SOURCE[0]}")/restart-kafka.sh" "$1" KILL
