import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDeployConfig, runSteps } from './deploy.ts';
import { FUNCTIONS } from './functions.ts';
import { checkCommand } from './gcloud-reference.ts';
import { deploySteps } from './plan.ts';
import { PRIVILEGE_GROUPS } from './roles.ts';

/*
 * deploy/gcp against a recording stand-in for gcloud: a bash script that logs every argv and keeps which
 * resources exist, so `describe` answers as gcloud would (exit 0 when the resource exists, 1 with NOT_FOUND
 * otherwise) and `create` of an existing resource fails as gcloud does (ALREADY_EXISTS).
 */

const DEPLOY = fileURLToPath(new URL('./deploy.ts', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('./example.yaml', import.meta.url));

const STAND_IN = `#!/usr/bin/env bash
set -u
{ for a in "$@"; do printf '%s ' "$(printf '%s' "$a" | base64 -w0)"; done; printf '\\n'; } >> "$GCLOUD_RECORD"
verb_at=-1; i=0; args=("$@")
for a in "$@"; do case "$a" in describe|create|update) verb_at=$i; break ;; esac; i=$((i+1)); done
if (( verb_at < 0 )); then exit "\${GCLOUD_FAIL_OTHER:-0}"; fi
name_at=$((verb_at+1)); if [[ "\${args[$name_at]:-}" == http ]]; then name_at=$((name_at+1)); fi
name="\${args[$name_at]}"; name="\${name%%@*}" # a service account is named by its id or its email
key="$(printf '%s/' "\${args[@]:0:$verb_at}" "$name" | base64 -w0 | tr '/+' '_-')"
case "\${args[$verb_at]}" in
  describe) [[ -e "$GCLOUD_STATE/$key" ]] || { echo 'ERROR: NOT_FOUND' >&2; exit 1; } ;;
  create) [[ -e "$GCLOUD_STATE/$key" ]] && { echo 'ERROR: ALREADY_EXISTS' >&2; exit 1; }; touch "$GCLOUD_STATE/$key" ;;
  update) [[ -e "$GCLOUD_STATE/$key" ]] || { echo 'ERROR: NOT_FOUND' >&2; exit 1; } ;;
esac
`;

let dir: string;
let gcloud: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlink-gcloud-'));
  mkdirSync(join(dir, 'state'));
  gcloud = join(dir, 'gcloud');
  writeFileSync(gcloud, STAND_IN);
  chmodSync(gcloud, 0o755);
  writeFileSync(join(dir, 'record'), '');
  process.env.GCLOUD_RECORD = join(dir, 'record');
  process.env.GCLOUD_STATE = join(dir, 'state');
});

afterEach(() => {
  delete process.env.GCLOUD_RECORD;
  delete process.env.GCLOUD_STATE;
  delete process.env.GCLOUD_FAIL_OTHER;
  rmSync(dir, { recursive: true, force: true });
});

function recorded(): string[][] {
  return readFileSync(join(dir, 'record'), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) =>
      line
        .trim()
        .split(' ')
        .map((b64) => Buffer.from(b64, 'base64').toString('utf8')),
    );
}

const config = loadDeployConfig(readFileSync(EXAMPLE, 'utf8'), EXAMPLE);
const quiet = { write: () => {} };

describe('deploy/gcp', () => {
  it('generates only commands and flags the gcloud reference lists', () => {
    const problems = deploySteps(config).flatMap((step) =>
      [step.describe, step.create, step.update].filter((a) => a !== undefined).flatMap((argv) => checkCommand(argv)),
    );
    expect(problems).toEqual([]);
    expect(
      checkCommand([
        'functions',
        'deploy',
        'x',
        '--region',
        'r',
        '--runtime',
        'nodejs22',
        '--source',
        '.',
        '--entry-point',
        'x',
        '--trigger-htp',
      ]),
    ).toEqual([expect.stringContaining('unknown flag --trigger-htp')]);
    expect(checkCommand(['workflows', 'deploy', 'w', '--location', 'r'])).toEqual([
      expect.stringContaining('missing required --source'),
    ]);
  });

  it('prints every command in a dry run and runs none', () => {
    const out = spawnSync(process.execPath, [DEPLOY, '--config', EXAMPLE, '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, GCLOUD: gcloud },
    });
    expect(out.status).toBe(0);
    expect(recorded()).toEqual([]);
    for (const fn of FUNCTIONS) expect(out.stdout).toContain(`gcloud functions deploy ${fn.name} --gen2`);
    expect(out.stdout).toContain(
      'gcloud workflows deploy brokerlink-provision --location us-west1 --source statemachines/provision.workflows.yaml',
    );
    expect(out.stdout).toContain('methodName=v1.compute.instances.insert');
    expect(out.stdout).toContain(
      String.raw`--message-body '{"argument":"{\"cluster\":\"orders\",\"trigger\":\"schedule\"}"}'`,
    );
  });

  it('creates what is missing, and a second run creates nothing and updates roles and schedules in place', () => {
    expect(runSteps(deploySteps(config), { dryRun: false, gcloud, ...quiet })).toBe(0);
    const first = recorded();
    const creates = first.filter((argv) => argv.includes('create'));
    expect(creates.map((argv) => argv.slice(0, 3).join(' '))).toEqual(
      expect.arrayContaining([
        'storage buckets create',
        'iam service-accounts create',
        'iam roles create',
        'scheduler jobs create',
      ]),
    );
    writeFileSync(join(dir, 'record'), '');
    expect(runSteps(deploySteps(config), { dryRun: false, gcloud, ...quiet })).toBe(0);
    const second = recorded();
    expect(second.filter((argv) => argv.includes('create'))).toEqual([]);
    expect(second.filter((argv) => argv.includes('update')).map((argv) => argv.slice(0, 2).join(' '))).toEqual([
      ...Object.keys(PRIVILEGE_GROUPS).map(() => 'iam roles'),
      'scheduler jobs',
    ]);
  });

  it('stops at the first failing command and says which', () => {
    process.env.GCLOUD_FAIL_OTHER = '3';
    const lines: string[] = [];
    expect(runSteps(deploySteps(config), { dryRun: false, gcloud, write: (line) => lines.push(line) })).toBe(3);
    expect(recorded()).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^deploy stopped: gcloud exited 3 for: gcloud services enable/);
  });

  it('refuses a bad configuration naming each field, and runs nothing', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'project: Kafka_Prod\nregion: us-west1\nbucket: b\nclusters: []\nextra: 1\n');
    const out = spawnSync(process.execPath, [DEPLOY, '--config', bad], {
      encoding: 'utf8',
      env: { ...process.env, GCLOUD: gcloud },
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('project: must be a Google Cloud project id');
    expect(out.stderr).toContain('bucket: must be a Cloud Storage bucket name');
    expect(out.stderr).toContain('clusters: must list at least one cluster');
    expect(out.stderr).toMatch(/\(root\): Unrecognized key: "extra"/);
    expect(recorded()).toEqual([]);
  });

  it('grants setMetadata (root-equivalent) to the host group only, used by the three host-command functions', () => {
    const holders = Object.entries(PRIVILEGE_GROUPS)
      .filter(([, g]) => (g.permissions as readonly string[]).includes('compute.instances.setMetadata'))
      .map(([name]) => name);
    expect(holders).toEqual(['host']);
    expect(FUNCTIONS.filter((fn) => fn.group === 'host').map((fn) => fn.entryPoint)).toEqual([
      'probeEnrolment',
      'advanceConfigPush',
      'advanceRestart',
    ]);
    expect(readFileSync(fileURLToPath(new URL('./roles.ts', import.meta.url)), 'utf8')).toContain('root-equivalent');
  });
});
