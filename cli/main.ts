import { applyCommand, usage as applyUsage } from './commands/apply.ts';
import { driftCommand, usage as driftUsage } from './commands/drift.ts';
import { localLbCommand, usage as localLbUsage } from './commands/local-lb.ts';
import { planCommand, usage as planUsage } from './commands/plan.ts';
import { pushSpecCommand, usage as pushSpecUsage } from './commands/push-spec.ts';
import { renderConfigCommand, usage as renderConfigUsage } from './commands/render-config.ts';
import { testBrokerCommand, usage as testBrokerUsage } from './commands/testbroker.ts';
import { validateCommand, usage as validateUsage } from './commands/validate.ts';
import { verifyCommand, usage as verifyUsage } from './commands/verify.ts';
import { EXIT, exitCodeOf, ProblemFound, UsageError } from './errors.ts';
import type { Output } from './io.ts';

type Command = (argv: string[], io: Output) => Promise<void>;

const COMMANDS: Record<string, { run: Command; usage: string; summary: string }> = {
  validate: { run: validateCommand, usage: validateUsage, summary: 'check a cluster spec; lists every problem' },
  plan: { run: planCommand, usage: planUsage, summary: 'dry run: LB changes, config diffs, restart order' },
  'render-config': { run: renderConfigCommand, usage: renderConfigUsage, summary: "print a broker's listener lines" },
  apply: { run: applyCommand, usage: applyUsage, summary: 'run the provision state machine (local provider)' },
  verify: { run: verifyCommand, usage: verifyUsage, summary: 'check bootstrap and broker ports through the LB' },
  drift: { run: driftCommand, usage: driftUsage, summary: 'run the drift check (report or repair per spec)' },
  'push-spec': {
    run: (argv, io) => pushSpecCommand(argv, io),
    usage: pushSpecUsage,
    summary: 'validate a spec, then store it where the deployed provisioner reads it',
  },
  testbroker: { run: testBrokerCommand, usage: testBrokerUsage, summary: 'start a Kafka-protocol test broker' },
  'local-lb': { run: localLbCommand, usage: localLbUsage, summary: 'run the local port-mapping load balancer' },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'brokerlink — expose self-hosted Kafka through private-link load balancers, safely',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Usage:',
    ...Object.values(COMMANDS).map((command) => `  ${command.usage}`),
    '',
    'Exit codes: 0 ok · 1 problem found (invalid spec, verification failed, drift) · 2 usage error · 3 could not run',
  ].join('\n');
}

export async function main(argv: string[], io: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  try {
    await command.run(rest, io);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) io.err(`${error.message}\nusage: ${command.usage}`);
    else if (!(error instanceof ProblemFound)) {
      const named = error as Error;
      io.err(`${named.name ?? 'Error'}: ${named.message}`);
    }
    return exitCodeOf(error);
  }
}

if (import.meta.main) {
  const io: Output = {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    raw: (bytes) => process.stdout.write(bytes),
  };
  process.exitCode = await main(process.argv.slice(2), io);
}
