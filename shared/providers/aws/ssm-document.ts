/*
 * brokerlink's own SSM Command document (`BrokerLink-BrokerCommand`): the only thing brokerlink ever runs on a
 * broker through SSM. It is never AWS-RunShellScript: IAM can then allow ssm:SendCommand on this one document and
 * the cluster's tagged instances only (least privilege).
 *
 * How values reach the shell safely. SSM does not pass document parameters to aws:runShellScript as arguments or
 * environment variables: it substitutes `{{ name }}` *textually* into the script before running it. A value
 * containing `'`, `$(`, a backtick or `;` would therefore become shell code. So:
 *   1. every parameter has an allowedPattern (SSM refuses SendCommand with InvalidParameters when a value does not
 *      match, before anything runs; the adapter checks the same patterns first and sends nothing on a mismatch);
 *   2. every pattern admits only characters that are inert inside single quotes: letters, digits and
 *      `. _ @ + / = -` (no quote, no backslash, no newline, no `$`, no backtick — none of which has any meaning
 *      inside '...' anyway except the closing quote, which is excluded);
 *   3. every substitution sits alone inside single quotes in an assignment (`path='{{ path }}'`), and the values are
 *      then handed on only as quoted positional arguments ("$path") to the broker-writer script, never re-parsed.
 * The broker-writer script (shared/broker-writer/brokerlink-writer.sh) is embedded base64-encoded, so its text
 * cannot collide with SSM's `{{ }}` syntax or the quoting; it is written to a private temp file and run with bash.
 */

import { writerScriptText } from '../../broker-writer/protocol.ts';

/** SSM `String` parameter declaration (schemaVersion 2.2). */
export interface SsmDocumentParameter {
  type: 'String';
  description: string;
  default?: string;
  allowedValues?: string[];
  allowedPattern?: string;
}

export interface SsmRunShellScriptStep {
  action: 'aws:runShellScript';
  name: string;
  precondition?: { StringEquals: [string, string] };
  inputs: { runCommand: string[]; timeoutSeconds?: string; workingDirectory?: string };
}

export interface SsmCommandDocument {
  schemaVersion: '2.2';
  description: string;
  parameters: Record<string, SsmDocumentParameter>;
  mainSteps: SsmRunShellScriptStep[];
}

export const DEFAULT_DOCUMENT_NAME = 'BrokerLink-BrokerCommand';

export const BROKER_ACTIONS = ['read', 'write', 'restart'] as const;
export type BrokerAction = (typeof BROKER_ACTIONS)[number];

/**
 * allowedPatterns, as strings (SSM's form). Each is a whole-value match (`^(...)$`) and admits the empty value
 * for parameters an action does not use. Kept to regex syntax that SSM (Java) and JavaScript read alike.
 */
export const PARAMETER_PATTERNS = {
  path: '^(|/[A-Za-z0-9._@+/-]{0,1023})$',
  expectedSha256: '^(|[0-9a-f]{64})$',
  contentBase64: '^[A-Za-z0-9+/=]*$',
  expectedNodeId: '^(|0|[1-9][0-9]{0,9})$',
  systemdUnit: '^(|[A-Za-z0-9@._-]{1,200}[.]service)$',
  script: '^(|/[A-Za-z0-9._@+/-]{0,1023})$',
} as const;

export type CommandParameterName = 'action' | keyof typeof PARAMETER_PATTERNS;

export interface DocumentOptions {
  /** Text of shared/broker-writer/brokerlink-writer.sh (`read <path>`, `write <path> <sha256> <base64> <node-id>`). */
  writerScript?: string;
  /** aws:runShellScript step timeout in seconds (default 600: a broker restart script may take a while). */
  timeoutSeconds?: number;
}

export function ssmDocumentContent(options: DocumentOptions = {}): SsmCommandDocument {
  const writerBase64 = Buffer.from(options.writerScript ?? writerScriptText(), 'utf8').toString('base64');
  const runCommand = [
    '#!/bin/sh',
    '# brokerlink broker command. Each substituted value below passed its allowedPattern (letters, digits and',
    '# . _ @ + / = - only), so inside single quotes it is inert text; it is then used only as a quoted argument.',
    'set -eu',
    "action='{{ action }}'",
    "path='{{ path }}'",
    "expected_sha256='{{ expectedSha256 }}'",
    "content_base64='{{ contentBase64 }}'",
    "expected_node_id='{{ expectedNodeId }}'",
    "systemd_unit='{{ systemdUnit }}'",
    "restart_script='{{ script }}'",
    'umask 077',
    'writer="$(mktemp /tmp/brokerlink-writer.XXXXXX)"',
    `trap 'rm -f "$writer"' EXIT`,
    `printf '%s' '${writerBase64}' | base64 -d > "$writer"`,
    'status=0',
    'case "$action" in',
    '  read) bash "$writer" read "$path" || status=$? ;;',
    '  write) bash "$writer" write "$path" "$expected_sha256" "$content_base64" "$expected_node_id" || status=$? ;;',
    '  restart)',
    '    if [ -n "$systemd_unit" ]; then',
    '      systemctl restart -- "$systemd_unit" || status=$?',
    '    elif [ -n "$restart_script" ] && [ -f "$restart_script" ] && [ -x "$restart_script" ]; then',
    '      "$restart_script" "$path" || status=$?',
    '    else',
    '      echo "brokerlink: no usable restart method (systemd unit, or an executable script file)" >&2',
    '      status=2',
    '    fi',
    '    ;;',
    '  *) echo "brokerlink: unknown action" >&2; status=2 ;;',
    'esac',
    'exit "$status"',
  ];
  for (const line of runCommand) {
    if (line.includes('{{') && !/^[a-z0-9_]+='\{\{ [A-Za-z0-9]+ \}\}'$/.test(line)) {
      throw new Error(`ssm document: only the quoted parameter assignments may contain {{ }}: ${line}`);
    }
  }
  return {
    schemaVersion: '2.2',
    description:
      "brokerlink: read or write a broker's server.properties (compare-and-swap) or restart the broker. " +
      'Values are validated by allowedPattern and used only inside single quotes.',
    parameters: {
      action: { type: 'String', description: 'read | write | restart', allowedValues: [...BROKER_ACTIONS] },
      path: {
        type: 'String',
        description: 'Absolute path of server.properties (read, write)',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.path,
      },
      expectedSha256: {
        type: 'String',
        description: 'sha256 (hex) the file must still have for a write to happen (compare-and-swap)',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.expectedSha256,
      },
      contentBase64: {
        type: 'String',
        description: 'New file content, base64 (write)',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.contentBase64,
      },
      expectedNodeId: {
        type: 'String',
        description: 'Node id the file must name, if it names one (write): a mis-tagged instance is refused',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.expectedNodeId,
      },
      systemdUnit: {
        type: 'String',
        description: 'systemd unit to restart (restart), e.g. kafka.service',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.systemdUnit,
      },
      script: {
        type: 'String',
        description: 'Absolute path of an executable restart script (restart), used when systemdUnit is empty',
        default: '',
        allowedPattern: PARAMETER_PATTERNS.script,
      },
    },
    mainSteps: [
      {
        action: 'aws:runShellScript',
        name: 'brokerCommand',
        precondition: { StringEquals: ['platformType', 'Linux'] },
        inputs: { runCommand, timeoutSeconds: String(options.timeoutSeconds ?? 600) },
      },
    ],
  };
}
