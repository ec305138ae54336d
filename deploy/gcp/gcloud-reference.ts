/*
 * The gcloud commands deploy/gcp uses, with the flags their reference pages (cloud.google.com/sdk/gcloud/reference,
 * GA track, synopses read in 2026) list. The deploy test checks every generated command against this table: an
 * unknown command or flag, a missing required flag, a value where the flag takes none (or none where it needs
 * one) fails the test. GCLOUD_WIDE flags (--project, --quiet, ...) are allowed everywhere.
 */

export interface CommandReference {
  /** Positional arguments after the command path. */
  positionals: number;
  /** Flags that take a value. */
  valueFlags: readonly string[];
  /** Flags without a value (booleans). */
  booleanFlags: readonly string[];
  required: readonly string[];
  /** Flags that may be given more than once. */
  repeatable?: readonly string[];
  page: string;
}

export const GCLOUD_WIDE_VALUE_FLAGS = [
  '--project',
  '--account',
  '--billing-project',
  '--configuration',
  '--format',
  '--verbosity',
  '--impersonate-service-account',
];
export const GCLOUD_WIDE_BOOLEAN_FLAGS = ['--quiet', '--log-http', '--user-output-enabled'];

export const GCLOUD_REFERENCE: Record<string, CommandReference> = {
  'services enable': {
    positionals: -1,
    valueFlags: [],
    booleanFlags: ['--async'],
    required: [],
    page: 'services/enable',
  },
  'storage buckets describe': {
    positionals: 1,
    valueFlags: [],
    booleanFlags: ['--raw'],
    required: [],
    page: 'storage/buckets/describe',
  },
  'storage buckets create': {
    positionals: 1,
    valueFlags: ['--location', '--default-storage-class', '--retention-period', '--placement'],
    booleanFlags: ['--uniform-bucket-level-access', '--public-access-prevention', '--enable-autoclass'],
    required: [],
    page: 'storage/buckets/create',
  },
  'storage buckets add-iam-policy-binding': {
    positionals: 1,
    valueFlags: ['--member', '--role', '--condition', '--condition-from-file'],
    booleanFlags: [],
    required: ['--member', '--role'],
    page: 'storage/buckets/add-iam-policy-binding',
  },
  'iam service-accounts describe': {
    positionals: 1,
    valueFlags: [],
    booleanFlags: [],
    required: [],
    page: 'iam/service-accounts/describe',
  },
  'iam service-accounts create': {
    positionals: 1,
    valueFlags: ['--description', '--display-name'],
    booleanFlags: [],
    required: [],
    page: 'iam/service-accounts/create',
  },
  'iam roles describe': {
    positionals: 1,
    valueFlags: ['--organization'],
    booleanFlags: [],
    required: [],
    page: 'iam/roles/describe',
  },
  'iam roles create': {
    positionals: 1,
    valueFlags: ['--organization', '--description', '--file', '--permissions', '--stage', '--title'],
    booleanFlags: [],
    required: [],
    page: 'iam/roles/create',
  },
  'iam roles update': {
    positionals: 1,
    valueFlags: [
      '--organization',
      '--add-permissions',
      '--description',
      '--file',
      '--permissions',
      '--remove-permissions',
      '--stage',
      '--title',
    ],
    booleanFlags: [],
    required: [],
    page: 'iam/roles/update',
  },
  'projects add-iam-policy-binding': {
    positionals: 1,
    valueFlags: ['--member', '--role', '--condition', '--condition-from-file'],
    booleanFlags: [],
    required: ['--member', '--role'],
    page: 'projects/add-iam-policy-binding',
  },
  'functions deploy': {
    positionals: 1,
    valueFlags: [
      '--region',
      '--runtime',
      '--source',
      '--entry-point',
      '--service-account',
      '--run-service-account',
      '--set-env-vars',
      '--memory',
      '--timeout',
      '--max-instances',
      '--min-instances',
      '--ingress-settings',
      '--egress-settings',
      '--trigger-event-filters',
      '--trigger-event-filters-path-pattern',
      '--trigger-location',
      '--trigger-service-account',
      '--trigger-topic',
      '--trigger-bucket',
      '--concurrency',
      '--cpu',
    ],
    booleanFlags: ['--gen2', '--trigger-http', '--no-allow-unauthenticated', '--allow-unauthenticated', '--retry'],
    required: ['--region', '--runtime', '--source', '--entry-point'],
    repeatable: ['--trigger-event-filters'],
    page: 'functions/deploy',
  },
  'functions add-invoker-policy-binding': {
    positionals: 1,
    valueFlags: ['--region', '--member'],
    booleanFlags: [],
    required: ['--region', '--member'],
    page: 'functions/add-invoker-policy-binding',
  },
  'workflows deploy': {
    positionals: 1,
    valueFlags: [
      '--location',
      '--source',
      '--service-account',
      '--set-env-vars',
      '--call-log-level',
      '--description',
      '--labels',
      '--execution-history-level',
    ],
    booleanFlags: ['--async'],
    required: ['--location', '--source'],
    page: 'workflows/deploy',
  },
  'scheduler jobs describe': {
    positionals: 1,
    valueFlags: ['--location'],
    booleanFlags: [],
    required: ['--location'],
    page: 'scheduler/jobs/describe',
  },
  'scheduler jobs create http': {
    positionals: 1,
    valueFlags: [
      '--location',
      '--schedule',
      '--uri',
      '--attempt-deadline',
      '--description',
      '--headers',
      '--http-method',
      '--max-backoff',
      '--max-doublings',
      '--max-retry-attempts',
      '--max-retry-duration',
      '--min-backoff',
      '--time-zone',
      '--message-body',
      '--message-body-from-file',
      '--oauth-service-account-email',
      '--oauth-token-scope',
      '--oidc-service-account-email',
      '--oidc-token-audience',
    ],
    booleanFlags: [],
    required: ['--location', '--schedule', '--uri'],
    page: 'scheduler/jobs/create/http',
  },
  'scheduler jobs update http': {
    positionals: 1,
    valueFlags: [
      '--location',
      '--schedule',
      '--uri',
      '--attempt-deadline',
      '--description',
      '--update-headers',
      '--http-method',
      '--max-backoff',
      '--max-doublings',
      '--max-retry-attempts',
      '--max-retry-duration',
      '--min-backoff',
      '--time-zone',
      '--message-body',
      '--message-body-from-file',
      '--oauth-service-account-email',
      '--oauth-token-scope',
      '--oidc-service-account-email',
      '--oidc-token-audience',
    ],
    booleanFlags: [],
    required: ['--location'],
    page: 'scheduler/jobs/update/http',
  },
  'workflows run': {
    positionals: 1,
    valueFlags: ['--location', '--data', '--call-log-level'],
    booleanFlags: [],
    required: [],
    page: 'workflows/run',
  },
};

/** Problems with one gcloud argv, judged by the table above; empty when it conforms. */
export function checkCommand(argv: readonly string[]): string[] {
  const path = Object.keys(GCLOUD_REFERENCE)
    .filter((key) => key.split(' ').every((word, i) => argv[i] === word))
    .sort((a, b) => b.length - a.length)[0];
  if (path === undefined) return [`unknown gcloud command: ${argv.slice(0, 4).join(' ')}`];
  const reference = GCLOUD_REFERENCE[path]!;
  const problems: string[] = [];
  const seen = new Map<string, number>();
  let positionals = 0;
  const rest = argv.slice(path.split(' ').length);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (!arg.startsWith('--')) {
      positionals++;
      continue;
    }
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    seen.set(flag, (seen.get(flag) ?? 0) + 1);
    const takesValue = reference.valueFlags.includes(flag) || GCLOUD_WIDE_VALUE_FLAGS.includes(flag);
    const isBoolean = reference.booleanFlags.includes(flag) || GCLOUD_WIDE_BOOLEAN_FLAGS.includes(flag);
    if (!takesValue && !isBoolean)
      problems.push(`${path}: unknown flag ${flag} (see gcloud reference ${reference.page})`);
    else if (takesValue && inline === undefined) {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) problems.push(`${path}: ${flag} needs a value`);
      i++;
    } else if (isBoolean && inline !== undefined) problems.push(`${path}: ${flag} takes no value`);
  }
  for (const [flag, count] of seen) {
    if (count > 1 && !(reference.repeatable ?? []).includes(flag))
      problems.push(`${path}: ${flag} given ${count} times`);
  }
  for (const flag of reference.required) if (!seen.has(flag)) problems.push(`${path}: missing required ${flag}`);
  if (reference.positionals >= 0 && positionals !== reference.positionals) {
    problems.push(`${path}: expected ${reference.positionals} positional argument(s), got ${positionals}`);
  }
  return problems;
}
