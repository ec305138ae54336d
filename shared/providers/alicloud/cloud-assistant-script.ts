/*
 * brokerlink's Cloud Assistant command: the only script brokerlink ever runs on a broker through Cloud Assistant.
 * Its text is fixed for a brokerlink version; what varies travels as custom parameters.
 *
 * How values reach the shell safely. Cloud Assistant substitutes `{{ name }}` *textually* into the command before
 * it runs, without any escaping, so a value containing `'`, `$(`, a backtick or `;` would become shell code. So:
 *   1. no untrusted text is ever a parameter: every value is one of brokerlink's own typed fields (an action name, a
 *      validated absolute path, a sha256, Base64, a systemd unit name), and the adapter refuses any value outside
 *      the inert alphabet `A-Z a-z 0-9 . _ @ + / = -` before anything is sent (PARAMETER_PATTERNS, checked again
 *      field by field in cloud-assistant-channel.ts) — none of those characters means anything inside '...';
 *   2. every `{{ }}` sits alone inside single quotes in an assignment (`path='{{path}}'`; checked when the text is
 *      built), and the values are then used only as quoted arguments ("$path"), never re-parsed;
 *   3. the file content itself never appears as text: it travels gzip-compressed and Base64-encoded, and the
 *      broker-writer script (shared/broker-writer/brokerlink-writer.sh, the same file every provider ships) is
 *      embedded the same way with its sha256 checked on the host — so neither can collide with `{{ }}` or quoting.
 * Compression is what fits both under Cloud Assistant's limit of 24 KB of Base64 for the command and its
 * parameters together.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { writerScriptText } from '../../broker-writer/protocol.ts';

/** RunCommand: Base64 command content + Base64 parameters must stay within this many bytes. */
export const CLOUD_ASSISTANT_CONTENT_LIMIT = 24 * 1024;
/** DescribeInvocationResults keeps this much output; the rest is counted in Dropped. */
export const CLOUD_ASSISTANT_OUTPUT_LIMIT = 24 * 1024;

export const BROKER_ACTIONS = ['read', 'write', 'restart'] as const;
export type BrokerAction = (typeof BROKER_ACTIONS)[number];

/** Whole-value patterns of every parameter; each admits only inert characters (and '' where unused). */
export const PARAMETER_PATTERNS = {
  action: /^(read|write|restart)$/,
  path: /^(|\/[A-Za-z0-9._@+/-]{0,1023})$/,
  expectedSha256: /^(|[0-9a-f]{64})$/,
  expectedNodeId: /^(|0|[1-9][0-9]{0,9})$/,
  contentGzipBase64: /^[A-Za-z0-9+/=]*$/,
  systemdUnit: /^(|[A-Za-z0-9@._-]{1,200}[.]service)$/,
  script: /^(|\/[A-Za-z0-9._@+/-]{0,1023})$/,
} as const satisfies Record<string, RegExp>;

export type ParameterName = keyof typeof PARAMETER_PATTERNS;
export type CommandParameters = Record<ParameterName, string>;

/** The alphabet every parameter value is drawn from: nothing in it has a meaning inside single quotes. */
export const INERT = /^[A-Za-z0-9._@+/=-]*$/;

let cached: { text: string; base64: string } | undefined;

export function commandScript(writerScript: string = writerScriptText()): string {
  const writer = Buffer.from(writerScript, 'utf8');
  const writerGzipBase64 = gzipSync(writer, { level: 9 }).toString('base64');
  const writerSha256 = createHash('sha256').update(writer).digest('hex');
  const lines = [
    '#!/bin/bash',
    "# brokerlink broker command (Cloud Assistant). Each substituted value below passed brokerlink's inert-alphabet",
    '# check (letters, digits and . _ @ + / = - only), so inside single quotes it is plain text; it is then used',
    '# only as a quoted argument. The writer script and any file content arrive gzip-compressed and Base64-encoded.',
    'set -eu',
    "action='{{action}}'",
    "path='{{path}}'",
    "expected_sha256='{{expectedSha256}}'",
    "expected_node_id='{{expectedNodeId}}'",
    "content_gzip_base64='{{contentGzipBase64}}'",
    "systemd_unit='{{systemdUnit}}'",
    "restart_script='{{script}}'",
    'umask 077',
    'work="$(mktemp -d /tmp/brokerlink.XXXXXXXX)"',
    `trap 'rm -rf -- "$work"' EXIT`,
    `printf '%s' '${writerGzipBase64}' | base64 -d | gzip -dc > "$work/writer.sh"`,
    `if [ "$(sha256sum < "$work/writer.sh" | cut -d ' ' -f 1)" != '${writerSha256}' ]; then`,
    "  echo 'brokerlink: the writer script did not arrive intact' >&2",
    '  exit 70',
    'fi',
    'status=0',
    'case "$action" in',
    '  read) bash "$work/writer.sh" read "$path" || status=$? ;;',
    '  write)',
    '    if ! content_base64="$(printf \'%s\' "$content_gzip_base64" | base64 -d | gzip -dc | base64 -w0)"; then',
    "      echo 'brokerlink: the new content did not arrive intact' >&2",
    '      exit 2',
    '    fi',
    '    bash "$work/writer.sh" write "$path" "$expected_sha256" "$content_base64" "$expected_node_id" || status=$?',
    '    ;;',
    '  restart)',
    '    if [ -n "$systemd_unit" ]; then',
    '      systemctl restart -- "$systemd_unit" || status=$?',
    '    elif [ -n "$restart_script" ] && [ -f "$restart_script" ] && [ -x "$restart_script" ]; then',
    '      "$restart_script" "$path" || status=$?',
    '    else',
    "      echo 'brokerlink: no usable restart method (systemd unit, or an executable script file)' >&2",
    '      status=2',
    '    fi',
    '    ;;',
    "  *) echo 'brokerlink: unknown action' >&2; status=2 ;;",
    'esac',
    'exit "$status"',
  ];
  for (const line of lines) {
    if (line.includes('{{') && !/^[a-z0-9_]+='\{\{[A-Za-z0-9]+\}\}'$/.test(line)) {
      throw new Error(`cloud assistant command: only the quoted parameter assignments may contain {{ }}: ${line}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The fixed command text and its Base64 form (what RunCommand's CommandContent carries). */
export function shippedCommand(): { text: string; base64: string } {
  if (cached === undefined) {
    const text = commandScript();
    cached = { text, base64: Buffer.from(text, 'utf8').toString('base64') };
  }
  return cached;
}

/** Bytes Cloud Assistant counts against its limit for this command with these parameters. */
export function commandSize(parameters: Readonly<Record<string, string>>): number {
  return shippedCommand().base64.length + Buffer.from(JSON.stringify(parameters), 'utf8').toString('base64').length;
}
