#!/usr/bin/env bash
# Installs the brokerlink metadata agent on one broker VM (run once, as root, from a checkout or a copy of this
# folder and of shared/broker-writer/):
#   sudo ./install.sh [path/to/brokerlink-writer.sh]
# Then enable guest attributes on the VM (the agent answers through them):
#   gcloud compute instances add-metadata VM --zone ZONE --metadata enable-guest-attributes=TRUE
# Re-running it upgrades the files and restarts the agent (idempotent).
set -euo pipefail
here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
writer="${1:-$here/../../../broker-writer/brokerlink-writer.sh}"
prefix="${BROKERLINK_PREFIX:-}" # tests install into a scratch root
[[ -f "$writer" ]] || { echo "install.sh: brokerlink-writer.sh not found at $writer" >&2; exit 2; }
command -v curl >/dev/null || { echo 'install.sh: curl is required' >&2; exit 2; }
install -d -m 0755 "$prefix/usr/local/lib/brokerlink" "$prefix/etc/systemd/system"
install -d -m 0700 "$prefix/var/lib/brokerlink"
install -m 0755 "$writer" "$prefix/usr/local/lib/brokerlink/brokerlink-writer.sh"
install -m 0755 "$here/brokerlink-metadata-agent.sh" "$prefix/usr/local/lib/brokerlink/brokerlink-metadata-agent.sh"
install -m 0644 "$here/brokerlink-metadata-agent.service" "$prefix/etc/systemd/system/brokerlink-metadata-agent.service"
if [[ -z "$prefix" ]]; then
  systemctl daemon-reload
  systemctl enable brokerlink-metadata-agent.service
  systemctl restart brokerlink-metadata-agent.service
fi
echo 'brokerlink metadata agent installed'
