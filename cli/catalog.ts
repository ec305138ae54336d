import type { Output } from './io.ts';

/*
 * The CLI's commands as data: what `--help` prints is here, the code is loaded only when a command runs. The entry
 * point imports nothing else, so `brokerlink <command> --help` and `brokerlink --version` start in a few tens of
 * milliseconds, and each command loads only its own dependencies (validate never loads a cloud SDK or the Kafka
 * client). Figures: docs/BENCHMARKS.md, "CLI start-up".
 */

export type CommandRun = (argv: string[], io: Output) => Promise<void>;

export interface CommandEntry {
  name: string;
  summary: string;
  /** One line: `brokerlink <name> <arguments> [options]`. */
  usage: string;
  /** What it does and its options, for `brokerlink <name> --help`. */
  details: readonly string[];
  /** Whether the command takes `--json` (its errors are then one JSON document on stdout too). */
  json: boolean;
  load: () => Promise<CommandRun>;
}

const WAIT_MS = '  --wait-ms <n>        pause between polls of the local state machine (default 1000)';
const JSON_OPTION = '  --json               print one JSON document on stdout (errors included) instead of text';

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate',
    summary: 'check a cluster spec; lists every problem',
    usage: 'brokerlink validate <spec> [--json]',
    details: [
      'Reads the spec (YAML or JSON) and lists every problem as "path: what is wrong, how to fix"; exit 0 when valid,',
      '1 when not. Nothing is contacted. Reference: docs/spec.md.',
      '',
      JSON_OPTION,
    ],
    json: true,
    load: async () => (await import('./commands/validate.ts')).validateCommand,
  },
  {
    name: 'plan',
    summary: 'dry run: LB changes, config diffs, restart order',
    usage: 'brokerlink plan <spec> [--observed <file>] [--json]',
    details: [
      "Observes the spec's provider read-only (or reads a snapshot) and prints what an apply would do: per exposure",
      "each broker's LB port and advertised address, the LB actions, config changes and the restart order.",
      '',
      '  --observed <file>    plan offline from an observed-state snapshot (docs/observed-state.md)',
      JSON_OPTION,
    ],
    json: true,
    load: async () => (await import('./commands/plan.ts')).planCommand,
  },
  {
    name: 'render-config',
    summary: "print a broker's listener lines",
    usage:
      'brokerlink render-config <spec> --broker <id> [--observed <file>] [--file <server.properties> | --new-cluster [--log-dirs <dir>] [--internal-port <n>] [--controller-port <n>]]',
    details: [
      "Prints the listener entries broker <id> needs; with --file that broker's own file with them applied, byte for",
      'byte otherwise (the diff goes to stderr; a file whose node.id names another broker is refused); with',
      '--new-cluster a complete KRaft server.properties for the node.',
      '',
      '  --broker <id>           the broker (node id), required',
      '  --observed <file>       plan from a snapshot instead of the live provider',
      "  --file <file>           the broker's server.properties to apply the listeners to",
      "  --new-cluster           a new KRaft node's complete server.properties",
      '  --log-dirs <dir>        with --new-cluster (default /var/lib/kafka/data)',
      '  --internal-port <n>     with --new-cluster (default 9092)',
      '  --controller-port <n>   with --new-cluster (default 29092)',
    ],
    json: false,
    load: async () => (await import('./commands/render-config.ts')).renderConfigCommand,
  },
  {
    name: 'apply',
    summary: 'run the provision state machine',
    usage: 'brokerlink apply <spec> [--json] [--wait-ms <n>]',
    details: [
      "Runs the provision state machine in-process against the spec's provider (the local provider, or AWS with your",
      'credentials): LB mappings, config push, gated rolling restart, verification. Exit 1 when the run fails.',
      '',
      JSON_OPTION,
      WAIT_MS,
    ],
    json: true,
    load: async () => (await import('./commands/apply.ts')).applyCommand,
  },
  {
    name: 'verify',
    summary: 'check bootstrap and broker ports through the LB',
    usage: 'brokerlink verify <spec> [--json]',
    details: [
      'From the consumer side, through the load balancer: bootstrap returns exactly the planned advertised addresses',
      'and each broker port reaches its broker. Changes nothing; exit 1 on any failure.',
      '',
      JSON_OPTION,
    ],
    json: true,
    load: async () => (await import('./commands/verify.ts')).verifyCommand,
  },
  {
    name: 'drift',
    summary: 'run the drift check (report or repair per spec)',
    usage: 'brokerlink drift <spec> [--json] [--wait-ms <n>]',
    details: [
      'Runs the drift-check state machine: observe and plan, read-only; with drift.action: repair in the spec it then',
      'runs provision in apply mode. Exit 0: no drift, or drift repaired; 1: drift found and only reported.',
      '',
      JSON_OPTION,
      WAIT_MS,
    ],
    json: true,
    load: async () => (await import('./commands/drift.ts')).driftCommand,
  },
  {
    name: 'unlock',
    summary: 'show who holds the cluster lock, and clear it',
    usage: 'brokerlink unlock <spec> [--force] [--json]',
    details: [
      "Shows the cluster lock's holder (which run, since when, whether it still runs) and clears the lock when the",
      'holder is gone (a killed run, an ended execution) or its lease is over; exit 4 when it leaves the lock in place.',
      'A run whose lock is cleared stops at its next change (LockLost) rather than racing the next run.',
      '',
      '  --force              clear it whatever holds it (a holder on another host, one you know has ended)',
      JSON_OPTION,
    ],
    json: true,
    load: async () => (await import('./commands/unlock.ts')).unlockCommand,
  },
  {
    name: 'push-spec',
    summary: 'validate a spec, then store it where the deployed provisioner reads it',
    usage: 'brokerlink push-spec <spec>',
    details: [
      'Validates the spec, then stores it where the deployed provisioner reads it (AWS: Parameter Store',
      '/brokerlink/<cluster>/spec, whose change starts an apply; local: the spec folder next to the state file).',
      'An invalid spec writes nothing.',
    ],
    json: false,
    load: async () => {
      const { pushSpecCommand } = await import('./commands/push-spec.ts');
      return (argv, io) => pushSpecCommand(argv, io);
    },
  },
  {
    name: 'testbroker',
    summary: 'start Kafka-protocol test brokers',
    usage:
      'brokerlink testbroker --properties <file> [--properties <file> ...] [--host-address 127.x.y.z ...] [--topic name:partitions:rf:minIsr] [--restart-delay-ms <n>]',
    details: [
      'Starts one Kafka-protocol test broker per --properties, sharing one cluster, for trying brokerlink by hand: each',
      'binds the listeners of its file, writes <file>.pid, restarts (re-reading the file) on SIGHUP, exits on SIGTERM.',
      'See testkit/kafka/README.md.',
    ],
    json: false,
    load: async () => (await import('./commands/testbroker.ts')).testBrokerCommand,
  },
  {
    name: 'local-lb',
    summary: 'run the local port-mapping load balancer',
    usage: 'brokerlink local-lb --state <file> [--host 127.0.0.1] [--poll-ms <n>]',
    details: [
      "The local provider's load balancer in the foreground: serves the mappings of <file> (the spec's",
      'provider.local.stateFile) until SIGTERM or Ctrl-C, like a cloud LB keeps serving after an apply.',
    ],
    json: false,
    load: async () => (await import('./commands/local-lb.ts')).localLbCommand,
  },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((command) => command.name === name);
}

export function commandHelp(command: CommandEntry): string {
  return [`usage: ${command.usage}`, '', ...command.details].join('\n');
}
