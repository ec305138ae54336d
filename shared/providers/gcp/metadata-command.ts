/*
 * The typed command brokerlink writes to a broker VM's metadata key, and the reply the VM's agent
 * (agent/brokerlink-metadata-agent.sh) writes back to guest attributes. Both sides apply the same rules; the agent
 * applies them again on the VM, then hands the values to brokerlink-writer.sh (which checks path, sha256 and
 * base64 a third time) only as quoted positional arguments.
 *
 * Command (metadata value, one `key=value` per line, every key at most once, nothing else):
 *     version=1
 *     id=<a-z0-9 and -, 1-63, starting with a letter or digit>
 *     action=read|write|restart
 *     path=/abs/server.properties                 (all actions)
 *     expectedSha256=<64 hex>  contentBase64=<b64>  expectedNodeId=<node id> (write)
 *     systemdUnit=<unit>.service | script=/abs/path (restart, exactly one)
 *
 * Reply (guest attributes in namespace `brokerlink`): `out-0…out-N` and `err-0…err-M` hold the base64 of the
 * command's stdout and stderr in chunks of REPLY_CHUNK characters; `result` is written last:
 *     id=<id> state=running
 *     id=<id> state=done exit=<code> out=<N chunks> err=<M chunks> sha256=<hex of stdout>
 *     id=<id|invalid> state=rejected error=<code>
 * One getGuestAttributes call (queryPath `brokerlink/`) reads everything, and the sha256 proves that the chunks
 * read belong to this command (a chunk left over from an earlier one fails the check).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { buildReadArgv, buildWriteArgv } from '../../broker-writer/protocol.ts';
import type { BrokerCommand, CommandStatus } from '../../ports.ts';
import { CommandReplyInvalid, CommandTooLarge, MetadataCommandInvalid } from './errors.ts';

export const COMMAND_KEY = 'brokerlink-command';
export const GUEST_NAMESPACE = 'brokerlink';
export const REPLY_CHUNK = 1024;
/** A metadata value is at most 256 KiB. */
export const COMMAND_VALUE_LIMIT = 256 * 1024;

/** The agent's patterns, character for character (a test reads them out of the shell script). */
export const AGENT_PATTERNS = {
  id: '^[a-z0-9][a-z0-9-]{0,62}$',
  path: '^/[A-Za-z0-9._@+/-]*$',
  sha256: '^[0-9a-f]{64}$',
  base64: '^[A-Za-z0-9+/=]*$',
  systemdUnit: '^[A-Za-z0-9@._-]{1,200}[.]service$',
  nodeId: '^(0|[1-9][0-9]{0,9})$',
} as const;

const ID = new RegExp(AGENT_PATTERNS.id);
const UNIT = new RegExp(AGENT_PATTERNS.systemdUnit);

export function encodeCommand(id: string, command: BrokerCommand): string {
  if (!ID.test(id)) throw new MetadataCommandInvalid('id', `must match ${AGENT_PATTERNS.id}`);
  const lines = [
    'version=1',
    `id=${id}`,
    `action=${command.kind === 'read-config' ? 'read' : command.kind === 'write-config' ? 'write' : 'restart'}`,
  ];
  if (command.kind === 'read-config') {
    lines.push(`path=${buildReadArgv(command.path)[1]}`);
  } else if (command.kind === 'write-config') {
    const [, path, sha, b64, nodeId] = buildWriteArgv(command);
    lines.push(`path=${path}`, `expectedSha256=${sha}`, `contentBase64=${b64}`, `expectedNodeId=${nodeId}`);
  } else {
    lines.push(`path=${buildReadArgv(command.path)[1]}`);
    const method = command.method;
    if ('systemdUnit' in method) {
      if (!UNIT.test(method.systemdUnit))
        throw new MetadataCommandInvalid('method.systemdUnit', `must match ${AGENT_PATTERNS.systemdUnit}`);
      lines.push(`systemdUnit=${method.systemdUnit}`);
    } else {
      lines.push(`script=${buildReadArgv(method.script)[1]}`);
    }
  }
  const text = `${lines.join('\n')}\n`;
  if (Buffer.byteLength(text) > COMMAND_VALUE_LIMIT) {
    throw new CommandTooLarge(
      `the command is ${Buffer.byteLength(text)} bytes; a metadata value holds at most ${COMMAND_VALUE_LIMIT}`,
    );
  }
  return text;
}

const resultLine = z.union([
  z.strictObject({ id: z.string(), state: z.literal('running') }),
  z.strictObject({
    id: z.string(),
    state: z.literal('done'),
    exit: z.coerce.number().int().min(0).max(255),
    out: z.coerce.number().int().min(0),
    err: z.coerce.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.strictObject({ id: z.string(), state: z.literal('rejected'), error: z.string().regex(/^[a-z0-9-]+$/) }),
]);

export interface GuestAttribute {
  key: string;
  value: string;
}

/**
 * What the agent has answered for command `id`, from the items of one getGuestAttributes(queryPath
 * `brokerlink/`) call. `null` items (namespace empty, 404) mean the agent has not answered yet.
 */
export function readReply(id: string, items: readonly GuestAttribute[] | null): CommandStatus {
  const byKey = new Map((items ?? []).map((item) => [item.key, item.value]));
  const raw = byKey.get('result');
  if (raw === undefined) return { state: 'running' };
  const fields = Object.fromEntries(
    raw
      .trim()
      .split(/\s+/)
      .map((pair) => {
        const at = pair.indexOf('=');
        return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      }),
  );
  const parsed = resultLine.safeParse(fields);
  if (!parsed.success) throw new CommandReplyInvalid(`guest attribute result is malformed: ${raw.slice(0, 200)}`);
  const result = parsed.data;
  if (result.id !== id) return { state: 'running' }; // an earlier command's answer: ours has not started yet
  if (result.state === 'running') return { state: 'running' };
  if (result.state === 'rejected') {
    return { state: 'failed', exitCode: null, stdout: '', stderr: `the agent rejected the command: ${result.error}` };
  }
  const join = (prefix: string, count: number) => {
    let text = '';
    for (let i = 0; i < count; i++) {
      const chunk = byKey.get(`${prefix}-${i}`);
      if (chunk === undefined) throw new CommandReplyInvalid(`guest attribute ${prefix}-${i} is missing`);
      text += chunk;
    }
    return Buffer.from(text, 'base64');
  };
  const stdout = join('out', result.out);
  if (createHash('sha256').update(stdout).digest('hex') !== result.sha256) {
    throw new CommandReplyInvalid(`stdout chunks of command ${id} do not match their sha256 (stale or partial reply)`);
  }
  const stderr = join('err', result.err).toString('utf8');
  if (result.exit === 0) return { state: 'succeeded', stdout: stdout.toString('utf8') };
  return { state: 'failed', exitCode: result.exit, stdout: stdout.toString('utf8'), stderr };
}
