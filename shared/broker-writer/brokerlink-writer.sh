#!/usr/bin/env bash
# brokerlink-writer: the only program brokerlink runs on a broker host to read or replace server.properties.
# All editing happens in brokerlink (TypeScript); this script only reads a file, or swaps in new content if the
# file is still what brokerlink read (compare-and-swap on sha256), with a backup and an atomic rename.
#
#   brokerlink-writer.sh read  <absolute-path>
#       -> {"result":"read","sha256":"<hex>","contentBase64":"<b64>","mode":"644","owner":"kafka:kafka"}
#   brokerlink-writer.sh write <absolute-path> <expected-sha256> <new-content-base64> <expected-node-id>
#       -> {"result":"changed","sha256":"<hex>","backup":"<path>"} | {"result":"unchanged","sha256":"<hex>"}
#       -> {"result":"conflict","sha256":"<current hex>"} (exit 3) when the file changed since it was read
#       -> {"result":"node-id-mismatch","key":"node.id","found":"3","expected":"1","sha256":"<current hex>"}
#          (exit 6) when the file on the host, or the new content, names another node than the one brokerlink
#          writes for (a mis-tagged instance): nothing is written
#   brokerlink-writer.sh identity <absolute-path>
#       -> {"result":"identity","nodeId":"<id>|unset|not-a-number|malformed","brokerId":"..."}
#   errors -> {"result":"error","error":"<code>","message":"<text>"}; exit 2 bad arguments, 4 missing or not a
#   regular file, 5 I/O failure.
#
# Every value arrives as a positional argument and is validated here; nothing is ever evaluated. Output never
# echoes an argument back (only hashes, base64 and paths that passed the same validation).
set -euo pipefail
export LC_ALL=C
umask 077

fail() {
  # $1 exit code, $2 error code, $3 message: fixed strings written in this file, safe inside JSON quotes.
  printf '{"result":"error","error":"%s","message":"%s"}\n' "$2" "$3"
  exit "$1"
}

SAFE_PATH_RE='^/[A-Za-z0-9._@+/-]*$'
SHA_RE='^[0-9a-f]{64}$'
B64_RE='^[A-Za-z0-9+/=]*$'
NODE_ID_RE='^(0|[1-9][0-9]{0,9})$'
IDENTITY_RE='^(unset|not-a-number|malformed|0|[1-9][0-9]{0,9}) (unset|not-a-number|malformed|0|[1-9][0-9]{0,9})$'

# The node.id and broker.id a server.properties sets, read as Kafka reads it (java.util.Properties: comments,
# continuations, separators, escapes, last definition wins; the value trimmed and parsed like Integer.parseInt;
# -1 is "not set"). Prints "<node.id> <broker.id>", each a decimal id, unset, not-a-number, or malformed (a bad
# \uXXXX escape anywhere: Kafka could not load the file). Mirrors shared/properties/identity.ts (checked against
# it by identity.test.ts). Reads bytes (LC_ALL=C); every line ending (\n, \r\n, \r) ends a natural line.
IDENTITY_AWK='
function trimmed(v) {
  while (length(v) > 0 && substr(v, 1, 1) <= " ") v = substr(v, 2)
  while (length(v) > 0 && substr(v, length(v), 1) <= " ") v = substr(v, 1, length(v) - 1)
  return v
}
function unescaped(s,   out, i, n, c, h, v, k) {
  out = ""; i = 1; n = length(s)
  while (i <= n) {
    c = substr(s, i, 1); i++
    if (c != "\\") { out = out c; continue }
    if (i > n) break
    c = substr(s, i, 1); i++
    if (c == "u") {
      h = substr(s, i, 4)
      if (h !~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) { malformed = 1; return out }
      v = 0
      for (k = 1; k <= 4; k++) v = v * 16 + index("0123456789abcdef", tolower(substr(h, k, 1))) - 1
      # Below U+0020: a char trim() removes; above U+007E: a char that is never a digit or part of these keys.
      out = out (v <= 32 ? (v == 32 ? " " : "\001") : (v < 127 ? sprintf("%c", v) : "\177"))
      i += 4
    } else if (c == "t") out = out "\t"
    else if (c == "n") out = out "\n"
    else if (c == "r") out = out "\r"
    else if (c == "f") out = out "\f"
    else out = out c
  }
  return out
}
function classify(v,   sign) {
  v = trimmed(v); sign = ""
  if (substr(v, 1, 1) == "+" || substr(v, 1, 1) == "-") { sign = substr(v, 1, 1); v = substr(v, 2) }
  if (v !~ /^[0-9]+$/) return "not-a-number"
  sub(/^0+/, "", v); if (v == "") v = "0"
  if (length(v) > 10 || (length(v) == 10 && v > "2147483647")) return "not-a-number"
  if (sign == "-" && v != "0") return (v == "1") ? "unset" : "not-a-number"
  return v
}
function finish(   n, i, c, bs, keyEnd, valueStart, hasSep, key) {
  n = length(logical); bs = 0; keyEnd = n + 1; valueStart = n + 1; hasSep = 0
  for (i = 1; i <= n; i++) {
    c = substr(logical, i, 1)
    if (!bs && (c == "=" || c == ":")) { keyEnd = i; valueStart = i + 1; hasSep = 1; break }
    if (!bs && (c == " " || c == "\t" || c == "\f")) { keyEnd = i; valueStart = i + 1; break }
    bs = (c == "\\") ? !bs : 0
  }
  while (valueStart <= n) {
    c = substr(logical, valueStart, 1)
    if (c != " " && c != "\t" && c != "\f") {
      if (!hasSep && (c == "=" || c == ":")) hasSep = 1
      else break
    }
    valueStart++
  }
  key = unescaped(substr(logical, 1, keyEnd - 1))
  if (key == "node.id") node = classify(unescaped(substr(logical, valueStart)))
  else if (key == "broker.id") broker = classify(unescaped(substr(logical, valueStart)))
  else unescaped(substr(logical, valueStart))
  logical = ""
}
function natural(s,   i, k, j) {
  i = 1
  while (i <= length(s) && (substr(s, i, 1) == " " || substr(s, i, 1) == "\t" || substr(s, i, 1) == "\f")) i++
  s = substr(s, i)
  if (!cont) {
    if (s == "" || substr(s, 1, 1) == "#" || substr(s, 1, 1) == "!") return
  } else if (s == "") { cont = 0; finish(); return }
  k = 0; j = length(s)
  while (j > 0 && substr(s, j, 1) == "\\") { k++; j-- }
  if (k % 2 == 1) { logical = logical substr(s, 1, length(s) - 1); cont = 1; return }
  logical = logical s; cont = 0; finish()
}
BEGIN { node = "unset"; broker = "unset"; cont = 0; logical = ""; malformed = 0 }
{
  n = split($0, parts, "\r")
  if (n == 0) natural("")
  if (n > 1 && parts[n] == "") n--
  for (p = 1; p <= n; p++) natural(parts[p])
}
END {
  if (cont) finish()
  if (malformed) print "malformed malformed"
  else print node " " broker
}'

check_path() {
  local p="$1"
  if [[ ${#p} -gt 1024 ]]; then fail 2 invalid-path 'path must be at most 1024 characters'; fi
  if [[ ! "$p" =~ $SAFE_PATH_RE ]]; then
    fail 2 invalid-path 'path must be absolute and use only letters, digits and . _ @ + - /'
  fi
  case "/$p/" in
    */../* | */./*) fail 2 invalid-path 'path must not contain . or .. segments' ;;
    *) ;;
  esac
  if [[ "$p" == */ ]]; then fail 2 invalid-path 'path must name a file, not a directory'; fi
}

# The helpers below set globals instead of printing, so that their `fail` runs in the main shell (inside a
# command substitution its JSON would be captured and its exit would only leave the subshell).

# TARGET := the real path of $1. Symlinks are resolved (a symlinked server.properties is replaced at its real
# location and the link stays); the result must be a readable regular file whose real path is as safe as the argument.
TARGET=''
resolve_target() {
  local p="$1"
  if [[ ! -e "$p" ]]; then fail 4 not-found 'file does not exist'; fi
  TARGET="$(readlink -f -- "$p")" || fail 5 io 'cannot resolve path'
  if [[ ! "$TARGET" =~ $SAFE_PATH_RE ]]; then fail 2 unsafe-target 'the real path of the file has unsupported characters'; fi
  if [[ ! -f "$TARGET" ]]; then fail 4 not-a-file 'path is not a regular file'; fi
  if [[ ! -r "$TARGET" ]]; then fail 4 unreadable 'file is not readable'; fi
}

# SHA := sha256 of file $1 (read through stdin, so no file name ever appears in sha256sum's output).
SHA=''
sha_of() {
  local out
  out="$(sha256sum <"$1")" || fail 5 io 'cannot hash file'
  SHA="${out%% *}"
  if [[ ! "$SHA" =~ $SHA_RE ]]; then fail 5 io 'cannot hash file'; fi
}

# OWNER := user:group of $1 (numeric when the names are unusual).
OWNER=''
owner_of() {
  OWNER="$(stat -c '%U:%G' -- "$1")" || fail 5 io 'cannot stat file'
  if [[ ! "$OWNER" =~ ^[A-Za-z0-9._-]+:[A-Za-z0-9._-]+$ ]]; then
    OWNER="$(stat -c '%u:%g' -- "$1")" || fail 5 io 'cannot stat file'
  fi
}

cmd_read() {
  if [[ $# -ne 1 ]]; then fail 2 usage 'usage: read <absolute-path>'; fi
  check_path "$1"
  local content mode
  resolve_target "$1"
  sha_of "$TARGET"
  content="$(base64 -w0 <"$TARGET")" || fail 5 io 'cannot read file'
  mode="$(stat -c '%a' -- "$TARGET")" || fail 5 io 'cannot stat file'
  owner_of "$TARGET"
  printf '{"result":"read","sha256":"%s","contentBase64":"%s","mode":"%s","owner":"%s"}\n' \
    "$SHA" "$content" "$mode" "$OWNER"
}

# IDENTITY := "<node.id> <broker.id>" of file $1 (see IDENTITY_AWK).
IDENTITY=''
identity_of() {
  IDENTITY="$(awk "$IDENTITY_AWK" <"$1")" || fail 5 io 'cannot read file'
  if [[ ! "$IDENTITY" =~ $IDENTITY_RE ]]; then fail 5 io 'cannot read the node id of the file'; fi
}

# Refuses (exit 6, nothing written) when file $1 sets node.id or broker.id to anything but node $2: the instance
# was tagged (or listed) as another broker than the one it runs. $3: sha256 of the file on the host, reported back.
check_identity() {
  identity_of "$1"
  local key value
  for key in node.id broker.id; do
    if [[ "$key" == node.id ]]; then value="${IDENTITY% *}"; else value="${IDENTITY#* }"; fi
    if [[ "$value" != unset && "$value" != "$2" ]]; then
      printf '{"result":"node-id-mismatch","key":"%s","found":"%s","expected":"%s","sha256":"%s"}\n' \
        "$key" "$value" "$2" "$3"
      exit 6
    fi
  done
}

cmd_identity() {
  if [[ $# -ne 1 ]]; then fail 2 usage 'usage: identity <absolute-path>'; fi
  check_path "$1"
  resolve_target "$1"
  identity_of "$TARGET"
  printf '{"result":"identity","nodeId":"%s","brokerId":"%s"}\n' "${IDENTITY% *}" "${IDENTITY#* }"
}

TMP_FILE=''
cleanup() {
  if [[ -n "$TMP_FILE" ]]; then rm -f -- "$TMP_FILE"; fi
}
trap cleanup EXIT

cmd_write() {
  if [[ $# -ne 4 ]]; then
    fail 2 usage 'usage: write <absolute-path> <expected-sha256> <new-content-base64> <expected-node-id>'
  fi
  local path="$1" expected="$2" b64="$3" node_id="$4"
  check_path "$path"
  if [[ ! "$expected" =~ $SHA_RE ]]; then fail 2 invalid-sha256 'expected sha256 must be 64 lowercase hex digits'; fi
  if [[ ! "$b64" =~ $B64_RE ]]; then fail 2 invalid-base64 'content must be base64 (A-Z a-z 0-9 + / =)'; fi
  if (( ${#b64} % 4 != 0 )); then fail 2 invalid-base64 'content base64 length must be a multiple of 4'; fi
  if [[ ! "$node_id" =~ $NODE_ID_RE ]] || (( 10#$node_id > 2147483647 )); then
    fail 2 invalid-node-id 'expected node id must be a Kafka node id (0-2147483647, plain decimal)'
  fi

  local target dir current
  resolve_target "$path"
  target="$TARGET"
  dir="$(dirname -- "$target")"
  sha_of "$target"
  current="$SHA"
  if [[ "$current" != "$expected" ]]; then
    printf '{"result":"conflict","sha256":"%s"}\n' "$current"
    exit 3
  fi
  # The file on the host must be this node's: checked on the very bytes the compare-and-swap matched.
  check_identity "$target" "$node_id" "$current"

  # New content goes to a temp file in the same directory (same filesystem: the final mv is an atomic rename).
  TMP_FILE="$(mktemp -- "$dir/.brokerlink-writer.XXXXXXXXXX")" || fail 5 io 'cannot create temp file next to the target'
  if ! printf '%s' "$b64" | base64 -d >"$TMP_FILE" 2>/dev/null; then
    fail 2 invalid-base64 'content is not valid base64'
  fi
  local new
  check_identity "$TMP_FILE" "$node_id" "$current" # and so must the new content
  sha_of "$TMP_FILE"
  new="$SHA"
  if [[ "$new" == "$current" ]]; then
    printf '{"result":"unchanged","sha256":"%s"}\n' "$current"
    exit 0
  fi

  chmod --reference="$target" -- "$TMP_FILE" || fail 5 io 'cannot copy mode to temp file'
  chown --reference="$target" -- "$TMP_FILE" || fail 5 io 'cannot copy owner to temp file'
  sync -- "$TMP_FILE" 2>/dev/null || true

  local stamp backup n=1
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  backup="$target.brokerlink-$stamp.bak"
  while [[ -e "$backup" ]]; do
    n=$((n + 1))
    backup="$target.brokerlink-$stamp-$n.bak"
  done
  cp -p -- "$target" "$backup" || fail 5 io 'cannot write backup'

  # Last check right before the swap: someone may have edited the file while we worked.
  sha_of "$target"
  current="$SHA"
  if [[ "$current" != "$expected" ]]; then
    rm -f -- "$backup"
    printf '{"result":"conflict","sha256":"%s"}\n' "$current"
    exit 3
  fi
  mv -f -T -- "$TMP_FILE" "$target" || fail 5 io 'cannot move new content into place'
  TMP_FILE=''
  sync -- "$dir" 2>/dev/null || true
  printf '{"result":"changed","sha256":"%s","backup":"%s"}\n' "$new" "$backup"
}

if [[ $# -lt 1 ]]; then
  fail 2 usage 'usage: read <path> | write <path> <expected-sha256> <content-base64> <node-id> | identity <path>'
fi
mode_arg="$1"
shift
case "$mode_arg" in
  read) cmd_read "$@" ;;
  write) cmd_write "$@" ;;
  identity) cmd_identity "$@" ;;
  *) fail 2 usage 'first argument must be read, write or identity' ;;
esac
