#!/usr/bin/env bash
# brokerlink-metadata-agent: brokerlink's only way into a Google Compute Engine broker VM (no SSH, no run-command
# API on GCE). It watches one instance metadata key with the metadata server's wait_for_change, checks the typed
# command it finds there (shared/providers/gcp/metadata-command.ts describes the format), runs the shipped
# brokerlink-writer.sh (read / compare-and-swap write of server.properties) or the restart the spec names, and
# answers through guest attributes (namespace brokerlink). It runs nothing else.
#
# Safety: every value is matched against a fixed pattern before use and then passed only as a quoted
# positional argument ("$value"); nothing is ever evaluated, sourced or interpolated into shell text. A command
# that breaks a rule is answered `state=rejected error=<code>` and nothing runs. A command id already handled is
# never run again (the last id is kept in $STATE_DIR), so a reboot or an agent restart does not replay a restart.
#
# Settings (environment, set by root in the systemd unit; defaults are the production values):
#   BROKERLINK_METADATA_URL   http://metadata.google.internal/computeMetadata/v1
#   BROKERLINK_COMMAND_KEY    brokerlink-command
#   BROKERLINK_WRITER         /usr/local/lib/brokerlink/brokerlink-writer.sh
#   BROKERLINK_STATE_DIR      /var/lib/brokerlink
#   BROKERLINK_WAIT_SECONDS   300 (one wait_for_change request at most; the loop then asks again)
set -uo pipefail
export LC_ALL=C
umask 077

MD_URL="${BROKERLINK_METADATA_URL:-http://metadata.google.internal/computeMetadata/v1}"
KEY="${BROKERLINK_COMMAND_KEY:-brokerlink-command}"
WRITER="${BROKERLINK_WRITER:-/usr/local/lib/brokerlink/brokerlink-writer.sh}"
STATE_DIR="${BROKERLINK_STATE_DIR:-/var/lib/brokerlink}"
WAIT_SECONDS="${BROKERLINK_WAIT_SECONDS:-300}"
NS='brokerlink'
CHUNK=1024
STDERR_LIMIT=4096

# The patterns of metadata-command.ts (AGENT_PATTERNS), character for character.
ID_RE='^[a-z0-9][a-z0-9-]{0,62}$'
PATH_RE='^/[A-Za-z0-9._@+/-]*$'
SHA_RE='^[0-9a-f]{64}$'
B64_RE='^[A-Za-z0-9+/=]*$'
UNIT_RE='^[A-Za-z0-9@._-]{1,200}[.]service$'
NODE_RE='^(0|[1-9][0-9]{0,9})$'

log() { printf 'brokerlink-agent: %s\n' "$1" >&2; }
die() { log "$1"; exit 2; }

[[ "$MD_URL" =~ ^http://(metadata\.google\.internal|169\.254\.169\.254|127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(:[0-9]{1,5})?)/computeMetadata/v1$ ]] ||
  die 'BROKERLINK_METADATA_URL must be the metadata server (or a loopback stand-in)'
[[ "$KEY" =~ ^[A-Za-z0-9_-]{1,128}$ ]] || die 'BROKERLINK_COMMAND_KEY must be 1-128 of [A-Za-z0-9_-]'
[[ "$WAIT_SECONDS" =~ ^[1-9][0-9]{0,3}$ ]] || die 'BROKERLINK_WAIT_SECONDS must be 1-9999'
[[ "$WRITER" =~ $PATH_RE && -f "$WRITER" ]] || die 'BROKERLINK_WRITER must be the absolute path of brokerlink-writer.sh'
[[ "$STATE_DIR" =~ $PATH_RE ]] || die 'BROKERLINK_STATE_DIR must be an absolute path'
mkdir -p -- "$STATE_DIR" || die 'cannot create the state directory'

WORK="$(mktemp -d)" || die 'cannot create a work directory'
trap 'rm -rf -- "$WORK"' EXIT

# ---------------------------------------------------------------- metadata server

# put_guest KEY VALUE: writes one guest attribute (the value goes through stdin, never through argv parsing).
put_guest() {
  printf '%s' "$2" | curl -sS -f -X PUT -H 'Metadata-Flavor: Google' --max-time 10 \
    --data-binary @- -- "$MD_URL/instance/guest-attributes/$NS/$1" >/dev/null
}

# fetch ETAG: reads the command key into $WORK/body; sets STATUS and NEW_ETAG. With an ETag, waits for a change.
STATUS=''
NEW_ETAG=''
fetch() {
  local url="$MD_URL/instance/attributes/$KEY"
  if [[ -n "$1" ]]; then url="$url?wait_for_change=true&last_etag=$1&timeout_sec=$WAIT_SECONDS"; fi
  STATUS="$(curl -sS -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -H 'Metadata-Flavor: Google' \
    --max-time $((WAIT_SECONDS + 15)) -- "$url" 2>/dev/null)" || STATUS='000'
  NEW_ETAG="$(tr -d '\r' <"$WORK/headers" 2>/dev/null | sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' | tail -n 1)"
  [[ "$NEW_ETAG" =~ ^[0-9A-Za-z]{1,64}$ ]] || NEW_ETAG=''
}

# ---------------------------------------------------------------- command

C_VERSION='' C_ID='' C_ACTION='' C_PATH='' C_SHA='' C_B64='' C_NODE='' C_UNIT='' C_SCRIPT=''
REJECT=''

# parse FILE: fills C_* from `key=value` lines; sets REJECT to an error code when a rule is broken.
parse() {
  C_VERSION='' C_ID='' C_ACTION='' C_PATH='' C_SHA='' C_B64='' C_NODE='' C_UNIT='' C_SCRIPT='' REJECT=''
  local size line key value seen=' ' count=0
  size="$(wc -c <"$1")"
  if ((size > 262144)); then REJECT='too-large'; return; fi
  while IFS= read -r line || [[ -n "$line" ]]; do
    count=$((count + 1))
    if ((count > 16)); then REJECT='too-many-lines'; return; fi
    [[ -z "$line" ]] && continue
    if [[ ! "$line" =~ ^([A-Za-z0-9]{1,32})=(.*)$ ]]; then REJECT='malformed-line'; return; fi
    key="${BASH_REMATCH[1]}"
    value="${BASH_REMATCH[2]}"
    if [[ "$seen" == *" $key "* ]]; then REJECT='duplicate-key'; return; fi
    seen="$seen$key "
    case "$key" in
      version) C_VERSION="$value" ;;
      id) C_ID="$value" ;;
      action) C_ACTION="$value" ;;
      path) C_PATH="$value" ;;
      expectedSha256) C_SHA="$value" ;;
      contentBase64) C_B64="$value" ;;
      expectedNodeId) C_NODE="$value" ;;
      systemdUnit) C_UNIT="$value" ;;
      script) C_SCRIPT="$value" ;;
      *) REJECT='unknown-key'; return ;;
    esac
  done <"$1"
  if [[ "$C_VERSION" != '1' ]]; then REJECT='unsupported-version'; return; fi
  if [[ ! "$C_ID" =~ $ID_RE ]]; then REJECT='invalid-id'; return; fi
  if ! safe_path "$C_PATH"; then REJECT='invalid-path'; return; fi
  case "$C_ACTION" in
    read)
      if [[ -n "$C_SHA$C_B64$C_NODE$C_UNIT$C_SCRIPT" ]]; then REJECT='unexpected-field'; fi ;;
    write)
      if [[ -n "$C_UNIT$C_SCRIPT" ]]; then REJECT='unexpected-field'; return; fi
      if [[ ! "$C_SHA" =~ $SHA_RE ]]; then REJECT='invalid-sha256'; return; fi
      if [[ ! "$C_B64" =~ $B64_RE ]] || ((${#C_B64} % 4 != 0)); then REJECT='invalid-base64'; return; fi
      if [[ ! "$C_NODE" =~ $NODE_RE ]] || ((C_NODE > 2147483647)); then REJECT='invalid-node-id'; fi ;;
    restart)
      if [[ -n "$C_SHA$C_B64$C_NODE" ]]; then REJECT='unexpected-field'; return; fi
      if [[ -n "$C_UNIT" && -n "$C_SCRIPT" ]] || [[ -z "$C_UNIT$C_SCRIPT" ]]; then REJECT='restart-method'; return; fi
      if [[ -n "$C_UNIT" && ! "$C_UNIT" =~ $UNIT_RE ]]; then REJECT='invalid-systemd-unit'; return; fi
      if [[ -n "$C_SCRIPT" ]] && ! safe_path "$C_SCRIPT"; then REJECT='invalid-script'; fi ;;
    *) REJECT='unknown-action' ;;
  esac
}

# safe_path P: the writer's path rule (absolute, safe characters, no . or .. segment, not a directory).
safe_path() {
  local p="$1"
  [[ ${#p} -le 1024 && "$p" =~ $PATH_RE && "$p" != */ ]] || return 1
  case "/$p/" in */../* | */./*) return 1 ;; *) return 0 ;; esac
}

# ---------------------------------------------------------------- reply

# put_chunks PREFIX FILE: writes base64(FILE) as PREFIX-0..N-1; sets CHUNKS to N.
CHUNKS=0
put_chunks() {
  local encoded offset=0
  encoded="$(base64 -w0 <"$2")"
  CHUNKS=0
  while ((offset < ${#encoded})); do
    put_guest "$1-$CHUNKS" "${encoded:offset:CHUNK}" || return 1
    offset=$((offset + CHUNK))
    CHUNKS=$((CHUNKS + 1))
  done
}

run_command() {
  local status=0 sha out_chunks
  : >"$WORK/stdout"
  : >"$WORK/stderr"
  case "$C_ACTION" in
    read) bash -- "$WRITER" read "$C_PATH" >"$WORK/stdout" 2>"$WORK/stderr" || status=$? ;;
    write) bash -- "$WRITER" write "$C_PATH" "$C_SHA" "$C_B64" "$C_NODE" >"$WORK/stdout" 2>"$WORK/stderr" || status=$? ;;
    restart)
      if [[ -n "$C_UNIT" ]]; then
        systemctl restart -- "$C_UNIT" >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
      elif [[ -f "$C_SCRIPT" && -x "$C_SCRIPT" ]]; then
        "$C_SCRIPT" "$C_PATH" >"$WORK/stdout" 2>"$WORK/stderr" </dev/null || status=$?
      else
        printf 'brokerlink: the restart script is not an executable file\n' >"$WORK/stderr"
        status=2
      fi ;;
  esac
  if ((status > 255)); then status=255; fi
  head -c "$STDERR_LIMIT" <"$WORK/stderr" >"$WORK/stderr.cut"
  sha="$(sha256sum <"$WORK/stdout")"
  sha="${sha%% *}"
  put_chunks out "$WORK/stdout" || return 1
  out_chunks="$CHUNKS"
  put_chunks err "$WORK/stderr.cut" || return 1
  put_guest result "id=$C_ID state=done exit=$status out=$out_chunks err=$CHUNKS sha256=$sha"
}

handle() {
  parse "$WORK/body"
  local last=''
  [[ -f "$STATE_DIR/last-command-id" ]] && last="$(head -c 64 -- "$STATE_DIR/last-command-id")"
  if [[ -n "$REJECT" ]]; then
    local shown='invalid'
    [[ "$C_ID" =~ $ID_RE ]] && shown="$C_ID"
    if [[ "$shown" == "$last" ]]; then return 0; fi
    log "rejected a command: $REJECT"
    put_guest result "id=$shown state=rejected error=$REJECT" || log 'cannot write the reply'
    [[ "$shown" != 'invalid' ]] && printf '%s' "$shown" >"$STATE_DIR/last-command-id"
    return 0
  fi
  if [[ "$C_ID" == "$last" ]]; then return 0; fi # handled before (agent restart, reboot): never run twice
  # Record the id before running: a crash mid-restart must not replay the restart when the agent comes back.
  printf '%s' "$C_ID" >"$STATE_DIR/last-command-id" || { log 'cannot record the command id'; return 1; }
  put_guest result "id=$C_ID state=running" || log 'cannot write the running state'
  log "running $C_ACTION ($C_ID)"
  run_command || log "cannot write the reply of $C_ID"
}

# ---------------------------------------------------------------- main loop

etag=''
failures=0
while true; do
  fetch "$etag"
  case "$STATUS" in
    200)
      failures=0
      handle
      etag="$NEW_ETAG"
      if [[ -z "$etag" ]]; then sleep 5; fi ;;
    404)
      # No command key yet (wait_for_change on a missing key answers at once): look again shortly.
      etag=''
      sleep 2 ;;
    *)
      failures=$((failures + 1))
      etag=''
      sleep $((failures < 30 ? failures : 30)) ;;
  esac
done
