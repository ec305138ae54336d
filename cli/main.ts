import { readFileSync } from 'node:fs';
import { StateMachineFailed } from '../shared/orchestration/errors.ts';
import { COMMANDS, type CommandEntry, commandHelp, findCommand } from './catalog.ts';
import { EXIT, exitCodeOf, LockNotCleared, ProblemFound, ScriptExited, UsageError } from './errors.ts';
import type { Output } from './io.ts';

/*
 * The `brokerlink` entry point. It imports only the command catalogue (./catalog.ts): a command's code, and with
 * it the cloud SDKs, the Kafka client or the state-machine runner, is loaded when that command runs.
 *  - `brokerlink <command> --help` / `-h` / `brokerlink help <command>`: the command's usage, exit 0.
 *  - `brokerlink --version` / `-V` / `version`: the version, exit 0.
 *  - With `--json`, stdout always carries one JSON document: the command's answer, or `{ ok: false, error }` for
 *    any error (usage, invalid spec, a failed run), with the same exit code as without.
 */

export async function main(argv: string[], io: Output): Promise<number> {
  const [name, ...rest] = argv;
  // Before a command is known, `--json` anywhere asks for the document (`brokerlink nosuch --json`, `brokerlink --json`).
  const wantsJson = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length).includes('--json');
  if (name === '--version' || name === '-V' || name === 'version') {
    io.out(`brokerlink ${version()}`);
    return EXIT.ok;
  }
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined) {
      const command = findCommand(topic);
      if (command === undefined) return unknownCommand(topic, io, wantsJson);
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    io.out(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = findCommand(name);
  if (command === undefined) return unknownCommand(name, io, wantsJson);

  const options = rest.slice(0, rest.includes('--') ? rest.indexOf('--') : rest.length);
  if (options.includes('--help') || options.includes('-h')) {
    io.out(commandHelp(command));
    return EXIT.ok;
  }
  const json = options.includes('--json');
  let printed = false;
  const tracked: Output = {
    ...io,
    out: (text) => {
      printed = true;
      io.out(text);
    },
    ...(io.raw
      ? {
          raw: (bytes: Uint8Array) => {
            printed = true;
            io.raw!(bytes);
          },
        }
      : {}),
  };
  try {
    const run = await command.load();
    await run(rest, tracked);
    return EXIT.ok;
  } catch (error) {
    // A failed workflow names its error; the catalogue (loaded only then) tells that error's class.
    const catalogue = error instanceof StateMachineFailed ? await import('../shared/error-catalogue.ts') : undefined;
    const code = exitCodeOf(error, (name) =>
      catalogue?.isErrorName(name) ? catalogue.dispositionOfName(name) : undefined,
    );
    if (error instanceof UsageError) io.err(`${error.message}\nusage: ${command.usage}`);
    else if (!(error instanceof ProblemFound || error instanceof LockNotCleared || error instanceof ScriptExited)) {
      const named = error as Error;
      io.err(`${named.name ?? 'Error'}: ${named.message}`);
    }
    if (json && !printed) io.out(JSON.stringify({ ok: false, error: errorDocument(error, code, command) }, null, 2));
    return code;
  }
}

/** An error as the JSON document `--json` prints: what it is, what to do, and the exit code. */
function errorDocument(error: unknown, exitCode: number, command: CommandEntry): Record<string, unknown> {
  // A problem already printed on stderr carries what it was about as its cause (an invalid spec's issues).
  const subject = error instanceof ProblemFound && error.cause instanceof Error ? error.cause : error;
  const named = subject instanceof Error ? subject : new Error(String(subject));
  const document: Record<string, unknown> = { name: named.name, message: named.message, exitCode };
  const issues = (named as { issues?: unknown }).issues;
  if (Array.isArray(issues)) document['issues'] = issues;
  const context = (named as { context?: unknown }).context;
  if (context !== undefined && typeof context === 'object' && context !== null && Object.keys(context).length > 0) {
    document['context'] = context;
  }
  if (error instanceof UsageError) document['usage'] = command.usage;
  return document;
}

function unknownCommand(name: string, io: Output, json: boolean): number {
  const message = `unknown command "${name.slice(0, 60)}"`;
  io.err(`${message}\n\n${help()}`);
  if (json) {
    const commands = COMMANDS.map((command) => command.name);
    const error = { name: 'UsageError', message, exitCode: EXIT.usage, commands };
    io.out(JSON.stringify({ ok: false, error }, null, 2));
  }
  return EXIT.usage;
}

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'brokerlink — expose self-hosted Kafka through private-link load balancers, safely',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Usage:',
    ...COMMANDS.map((command) => `  ${command.usage}`),
    '',
    '`brokerlink <command> --help` explains one command; `brokerlink --version` prints the version.',
    'Exit codes, the same from every command: 0 ok · 1 problem found (invalid spec or plan, verification failed, drift',
    'not repaired, a failed roll) · 2 usage error · 3 could not run (unreadable or corrupt file, cloud or Kafka',
    'unreachable) · 4 another run holds the cluster lock (see brokerlink unlock)',
  ].join('\n');
}

let cachedVersion: string | undefined;
export function version(): string {
  cachedVersion ??= (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return cachedVersion;
}

if (import.meta.main) {
  const io: Output = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    raw: (bytes) => process.stdout.write(bytes),
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
