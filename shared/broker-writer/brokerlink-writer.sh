#!/usr/bin/env bash
# brokerlink-writer: the only program brokerlink runs on a broker host to read or replace server.properties.
# All editing happens in brokerlink (TypeScript); this script only reads a file, or swaps in new content if the
# file is still what brokerlink read (compare-and-swap on sha256), with a backup and an atomic rename.
#
#   brokerlink-writer.sh read  <absolute-path>
#       -> {"result":"read","sha256":"<hex>","contentBase64":"<b64>","mode":"644","owner":"kafka:kafka"}
#   brokerlink-writer.sh write <absolute-path> <expected-sha256> <new-content-base64>
#       -> {"result":"changed","sha256":"<hex>","backup":"<path>"} | {"result":"unchanged","sha256":"<hex>"}
#       -> {"result":"conflict","sha256":"<current hex>"} (exit 3) when the file changed since it was read
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

TMP_FILE=''
cleanup() {
  if [[ -n "$TMP_FILE" ]]; then rm -f -- "$TMP_FILE"; fi
}
trap cleanup EXIT

cmd_write() {
  if [[ $# -ne 3 ]]; then fail 2 usage 'usage: write <absolute-path> <expected-sha256> <new-content-base64>'; fi
  local path="$1" expected="$2" b64="$3"
  check_path "$path"
  if [[ ! "$expected" =~ $SHA_RE ]]; then fail 2 invalid-sha256 'expected sha256 must be 64 lowercase hex digits'; fi
  if [[ ! "$b64" =~ $B64_RE ]]; then fail 2 invalid-base64 'content must be base64 (A-Z a-z 0-9 + / =)'; fi
  if (( ${#b64} % 4 != 0 )); then fail 2 invalid-base64 'content base64 length must be a multiple of 4'; fi

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

  # New content goes to a temp file in the same directory (same filesystem: the final mv is an atomic rename).
  TMP_FILE="$(mktemp -- "$dir/.brokerlink-writer.XXXXXXXXXX")" || fail 5 io 'cannot create temp file next to the target'
  if ! printf '%s' "$b64" | base64 -d >"$TMP_FILE" 2>/dev/null; then
    fail 2 invalid-base64 'content is not valid base64'
  fi
  local new
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

if [[ $# -lt 1 ]]; then fail 2 usage 'usage: read <path> | write <path> <expected-sha256> <content-base64>'; fi
mode_arg="$1"
shift
case "$mode_arg" in
  read) cmd_read "$@" ;;
  write) cmd_write "$@" ;;
  *) fail 2 usage 'first argument must be read or write' ;;
esac
