/*
 * Deploys brokerlink to a Google Cloud project with gcloud, idempotently:
 *
 *   npx node deploy/gcp/deploy.ts --config deploy/gcp/example.yaml --dry-run   # prints every command
 *   npx node deploy/gcp/deploy.ts --config my-project.yaml                     # runs them
 *
 * gcloud is run with argv arrays (no shell), so no configuration value is ever parsed as shell text. A bad
 * configuration file is reported field by field and nothing runs. GCLOUD (environment) names another gcloud
 * binary (tests use a recording stand-in).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { DeployConfigInvalid } from './errors.ts';
import { type DeployConfig, type DeployStep, deployConfigSchema, deploySteps, shellLine } from './plan.ts';

export { DeployConfigInvalid };

export function loadDeployConfig(text: string, source: string): DeployConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new DeployConfigInvalid(`${source}: not YAML: ${(error as Error).message}`);
  }
  const parsed = deployConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new DeployConfigInvalid(`${source} is not a valid deploy configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export interface RunOptions {
  dryRun: boolean;
  gcloud?: string;
  write?: (line: string) => void;
}

/** Runs (or prints) the steps; stops at the first command that fails. Returns the process exit code. */
export function runSteps(steps: DeployStep[], options: RunOptions): number {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const gcloud = options.gcloud ?? process.env.GCLOUD ?? 'gcloud';
  const run = (argv: string[], quiet: boolean) =>
    spawnSync(gcloud, argv, { stdio: quiet ? 'ignore' : 'inherit' }).status ?? 1;
  for (const step of steps) {
    write(`# ${step.title}`);
    if (options.dryRun) {
      if (step.describe) {
        write(`if ${shellLine(step.describe)} >/dev/null 2>&1; then`);
        write(step.update ? `  ${shellLine(step.update)}` : '  : # exists, nothing to change');
        write(`else\n  ${shellLine(step.create)}\nfi`);
      } else write(shellLine(step.create));
      continue;
    }
    let argv = step.create;
    if (step.describe && run(step.describe, true) === 0) {
      if (!step.update) {
        write('  exists');
        continue;
      }
      argv = step.update;
    }
    const status = run(argv, false);
    if (status !== 0) {
      write(`deploy stopped: gcloud exited ${status} for: ${shellLine(argv)}`);
      return status;
    }
  }
  return 0;
}

function main(argv: string[]): number {
  const args = [...argv];
  let configPath: string | undefined;
  let dryRun = false;
  while (args.length > 0) {
    const arg = args.shift()!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--config') configPath = args.shift();
    else {
      process.stderr.write(`deploy: unknown argument ${arg}\nusage: deploy.ts --config FILE [--dry-run]\n`);
      return 2;
    }
  }
  if (configPath === undefined) {
    process.stderr.write('usage: deploy.ts --config FILE [--dry-run]\n');
    return 2;
  }
  let config: DeployConfig;
  try {
    config = loadDeployConfig(readFileSync(configPath, 'utf8'), configPath);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  return runSteps(deploySteps(config), { dryRun });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
