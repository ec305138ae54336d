/**
 * `CommandChannel` for the local provider: the "broker host" is this machine.
 * - read-config / write-config run the real `shared/broker-writer/brokerlink-writer.sh` with bash, argv built
 *   and validated by the writer's protocol module (never a shell string);
 * - restart `{script}` runs that executable with the broker's properties path as its only argument
 *   (e.g. restart-testbroker.sh); restart `{systemdUnit}` runs `systemctl restart -- <unit>`.
 * Every child runs through execFile with a timeout, a bounded output buffer and a minimal environment.
 * start() returns at once; poll() answers from an in-memory registry of this process (handles are plain JSON,
 * but only meaningful to the process that started them).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argvForCommand, validatePath } from '../../broker-writer/protocol.ts';
import { WRITER_SCRIPT_URL } from '../../broker-writer/script-file.ts';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../ports.ts';
import { CommandNotFound, CommandRejected } from './errors.ts';

export interface LocalCommandTimeouts {
  /** read-config / write-config. Default 30 s. */
  config: number;
  /** restart. Default 120 s. */
  restart: number;
}

export interface LocalCommandChannelOptions {
  /** The spec's `brokers.propertiesPath`: what a restart script receives (after `resolvePath`). */
  propertiesPath: string;
  /**
   * Maps a path as the spec names it on a broker host to the file on this machine. Default: unchanged (one broker
   * per machine). With several brokers on one machine use `perBrokerRoot(dir)`.
   */
  resolvePath?: (target: CommandTarget, path: string) => string;
  /** The writer script. Default: the repository's `shared/broker-writer/brokerlink-writer.sh`. */
  writerScript?: string;
  timeouts?: Partial<LocalCommandTimeouts>;
  /** Executables (tests may point them elsewhere). Defaults: `bash`, `systemctl`, found on PATH. */
  bash?: string;
  systemctl?: string;
}

/** Each broker gets its own file-system root: `<dir>/<brokerId><path>` (like one host per broker). */
export function perBrokerRoot(dir: string): (target: CommandTarget, path: string) => string {
  return (target, path) => join(dir, String(target.brokerId), path);
}

const MAX_OUTPUT_BYTES = 1024 * 1024;
const MAX_FINISHED = 1000;

interface Entry {
  target: CommandTarget;
  status: CommandStatus;
}

/** Only what the writer and a restart script need; no credentials of this process leak to children. */
function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };
}

export function createLocalCommandChannel(options: LocalCommandChannelOptions): CommandChannel {
  const registry = new Map<string, Entry>();
  const resolvePath = options.resolvePath ?? ((_t: CommandTarget, p: string) => p);
  const writer = options.writerScript ?? fileURLToPath(WRITER_SCRIPT_URL);
  const timeouts: LocalCommandTimeouts = { config: 30_000, restart: 120_000, ...options.timeouts };
  const bash = options.bash ?? 'bash';
  const systemctl = options.systemctl ?? 'systemctl';

  function prune(): void {
    if (registry.size <= MAX_FINISHED) return;
    for (const [id, entry] of registry) {
      if (registry.size <= MAX_FINISHED) break;
      if (entry.status.state !== 'running') registry.delete(id);
    }
  }

  function commandLine(
    target: CommandTarget,
    command: BrokerCommand,
  ): { file: string; args: string[]; timeout: number } {
    switch (command.kind) {
      case 'read-config':
        return {
          file: bash,
          args: [writer, ...argvForCommand({ ...command, path: resolvePath(target, command.path) })],
          timeout: timeouts.config,
        };
      case 'write-config':
        return {
          file: bash,
          args: [writer, ...argvForCommand({ ...command, path: resolvePath(target, command.path) })],
          timeout: timeouts.config,
        };
      case 'restart': {
        const method = command.method;
        if ('script' in method) {
          const script = validatePath(method.script);
          const properties = validatePath(resolvePath(target, command.path));
          return { file: script, args: [properties], timeout: timeouts.restart };
        }
        if ('systemdUnit' in method && /^[A-Za-z0-9@._-]{1,200}\.service$/.test(method.systemdUnit)) {
          return { file: systemctl, args: ['restart', '--', method.systemdUnit], timeout: timeouts.restart };
        }
        throw new CommandRejected(`restart method ${JSON.stringify(method)} is neither {script} nor {systemdUnit}`);
      }
      default: {
        const unknown: never = command;
        throw new CommandRejected(`unknown broker command ${JSON.stringify(unknown)}`);
      }
    }
  }

  return {
    async start(target: CommandTarget, command: BrokerCommand): Promise<CommandHandle> {
      const { file, args, timeout } = commandLine(target, command); // throws before anything runs
      const id = `local-${process.pid}-${randomUUID()}`;
      const entry: Entry = { target, status: { state: 'running' } };
      registry.set(id, entry);
      prune();
      execFile(
        file,
        args,
        { timeout, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, env: childEnv(), windowsHide: true },
        (error, stdout, stderr) => {
          if (error === null) {
            entry.status = { state: 'succeeded', stdout };
            return;
          }
          const err = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string | null };
          const notes: string[] = [];
          if (err.killed === true || err.signal === 'SIGKILL') notes.push(`killed after the ${timeout} ms timeout`);
          else if (err.signal) notes.push(`ended by signal ${err.signal}`);
          if (typeof err.code === 'string') notes.push(`cannot run ${file}: ${err.code} (${err.message})`);
          entry.status = {
            state: 'failed',
            exitCode: typeof err.code === 'number' ? err.code : null,
            stdout,
            stderr: [stderr, ...notes].filter((s) => s.length > 0).join('\n'),
          };
        },
      );
      return { id, target };
    },

    async poll(handle: CommandHandle): Promise<CommandStatus> {
      const entry = registry.get(handle.id);
      if (entry === undefined) throw new CommandNotFound(handle.id);
      return structuredClone(entry.status);
    },
  };
}
