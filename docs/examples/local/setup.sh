#!/usr/bin/env bash
# Prepares a three-broker cluster to try brokerlink by hand on the local provider (README, "Trying it by hand").
#
#   bash docs/examples/local/setup.sh [DIR]        (default DIR: /tmp/brokerlink-local)
#
# Writes DIR/hosts/<N>/etc/kafka/server.properties for brokers 1-3 (seed-like KRaft configs: INTERNAL and
# CONTROLLER listeners only, no EXTERNAL yet), DIR/restart-testbroker.sh (the spec's restart script) and
# DIR/spec.yaml (a local cluster spec pointing at all of it). Broker N plays host 127.0.0.(HOST_BASE+N)
# (HOST_BASE default 10); the load balancer listens on 127.0.0.1 from LB_PORT (default 19092: bootstrap; brokers
# from LB_PORT+1).
set -euo pipefail
export LC_ALL=C

dir="${1:-/tmp/brokerlink-local}"
lb_port="${LB_PORT:-19092}"
host_base="${HOST_BASE:-10}"
if [[ ! "$dir" =~ ^/[A-Za-z0-9._@+/-]*$ ]] || [[ "/$dir/" == */../* ]]; then
  echo "DIR must be an absolute path of letters, digits and . _ @ + - / (got: $dir)" >&2
  exit 2
fi
if [[ ! "$lb_port" =~ ^[1-9][0-9]{3,4}$ ]] || (( lb_port > 65000 )); then
  echo "LB_PORT must be a port number between 1000 and 65000 (got: $lb_port)" >&2
  exit 2
fi
if [[ ! "$host_base" =~ ^[1-9][0-9]{0,2}$ ]] || (( host_base > 250 )); then
  echo "HOST_BASE must be a number between 1 and 250 (got: $host_base)" >&2
  exit 2
fi
host() { echo "127.0.0.$((host_base + $1))"; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

voters="1@$(host 1):29092,2@$(host 2):29092,3@$(host 3):29092"
for id in 1 2 3; do
  mkdir -p "$dir/hosts/$id/etc/kafka"
  cat > "$dir/hosts/$id/etc/kafka/server.properties" <<PROPS
# broker-node$id: seed-like KRaft config (INTERNAL + CONTROLLER; brokerlink adds EXTERNAL)
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092
advertised.listeners=INTERNAL://$(host "$id"):9092
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
log.dirs=/var/lib/kafka/data
PROPS
done
install -m 0755 "$here/../../../testkit/kafka/restart-testbroker.sh" "$dir/restart-testbroker.sh"

cat > "$dir/spec.yaml" <<SPEC
# A local cluster spec: three test brokers behind the local port-mapping load balancer.
cluster: local-demo
provider:
  local:
    host: 127.0.0.1
    stateFile: $dir/lb-state.json
    hostsDir: $dir/hosts
brokers:
  static:
    - { id: 1, host: $(host 1) }
    - { id: 2, host: $(host 2) }
    - { id: 3, host: $(host 3) }
  propertiesPath: /etc/kafka/server.properties
  restart: { script: $dir/restart-testbroker.sh }
kafka:
  bootstrap: ["$(host 1):9092", "$(host 2):9092", "$(host 3):9092"]
exposures:
  - listener: EXTERNAL
    brokerPort: 39092
    bootstrapPort: $lb_port
    brokerPorts: { from: $((lb_port + 1)), to: $((lb_port + 9)) }
    advertisedListenerPattern: "<broker_id>.kafka.local.test:<port>"
drift: { action: repair }
rollout: { healthyChecks: 2, healthTimeoutSeconds: 60, canRollTimeoutSeconds: 60 }
SPEC
echo "wrote $dir (spec: $dir/spec.yaml)"
