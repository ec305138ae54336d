import { z } from 'zod';
import { clusterNameSchema } from '../../shared/spec/schema.ts';
import { FUNCTIONS, WORKFLOWS } from './functions.ts';
import { PRIVILEGE_GROUPS, WORKFLOW_SERVICE_ACCOUNT } from './roles.ts';

/*
 * What `deploy/gcp/deploy.ts` does, as a list of gcloud invocations (argv arrays, never shell text). Each step is
 * idempotent: either the command itself is create-or-update (`functions deploy`, `workflows deploy`, IAM
 * bindings, `services enable`), or a `describe` decides between `create` and `update` (or nothing).
 */

export const deployConfigSchema = z.strictObject({
  project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  region: z.string().regex(/^[a-z]+-[a-z]+\d$/, 'must be a Google Cloud region such as us-west1'),
  /** Bucket for the cluster lock, the specs and the ledger (created when missing, uniform access). */
  bucket: z.string().regex(/^[a-z0-9][a-z0-9_.-]{1,61}[a-z0-9]$/, 'must be a Cloud Storage bucket name'),
  /** Clusters that get a drift-check schedule. */
  clusters: z.array(clusterNameSchema).min(1, 'must list at least one cluster'),
  /** Cron (Cloud Scheduler) for the drift check. */
  driftSchedule: z
    .string()
    .regex(
      /^[0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+ [0-9*/,-]+$/,
      'must be a 5-field cron expression such as "*/30 * * * *"',
    )
    .default('*/30 * * * *'),
  timeZone: z
    .string()
    .regex(/^[A-Za-z_]+(?:\/[A-Za-z_+-]+)*$/, 'must be a tz database name such as Etc/UTC')
    .default('Etc/UTC'),
  /** Directory uploaded as the functions' source (the repository root, with package.json). */
  source: z.string().min(1).default('.'),
});
export type DeployConfig = z.output<typeof deployConfigSchema>;

export interface DeployStep {
  /** What a person reads in the dry run. */
  title: string;
  /** Exit status 0 means the resource exists. */
  describe?: string[];
  /** Run when `describe` fails (or always, without describe). */
  create: string[];
  /** Run when `describe` succeeds; omitted: nothing to do then. */
  update?: string[];
}

export const REQUIRED_SERVICES = [
  'compute.googleapis.com',
  'workflows.googleapis.com',
  'workflowexecutions.googleapis.com',
  'cloudfunctions.googleapis.com',
  'run.googleapis.com',
  'cloudbuild.googleapis.com',
  'artifactregistry.googleapis.com',
  'eventarc.googleapis.com',
  'cloudscheduler.googleapis.com',
  'secretmanager.googleapis.com',
  'storage.googleapis.com',
  'logging.googleapis.com',
];

export function serviceAccountEmail(config: DeployConfig, id: string): string {
  return `${id}@${config.project}.iam.gserviceaccount.com`;
}

export function functionsBaseUrl(config: DeployConfig): string {
  return `https://${config.region}-${config.project}.cloudfunctions.net`;
}

export function deploySteps(config: DeployConfig): DeployStep[] {
  const p = ['--project', config.project];
  const steps: DeployStep[] = [
    { title: 'enable the APIs brokerlink uses', create: ['services', 'enable', ...REQUIRED_SERVICES, ...p] },
  ];
  const bucketUrl = `gs://${config.bucket}`;
  steps.push({
    title: `state bucket ${bucketUrl} (lock, specs, ledger)`,
    describe: ['storage', 'buckets', 'describe', bucketUrl, ...p],
    create: [
      'storage',
      'buckets',
      'create',
      bucketUrl,
      '--location',
      config.region,
      '--uniform-bucket-level-access',
      '--public-access-prevention',
      ...p,
    ],
  });
  const accounts = [
    ...Object.values(PRIVILEGE_GROUPS).map((g) => ({ id: g.serviceAccount, name: g.title })),
    { id: WORKFLOW_SERVICE_ACCOUNT, name: 'brokerlink workflows' },
  ];
  for (const account of accounts) {
    steps.push({
      title: `service account ${account.id}`,
      describe: ['iam', 'service-accounts', 'describe', serviceAccountEmail(config, account.id), ...p],
      create: ['iam', 'service-accounts', 'create', account.id, '--display-name', account.name, ...p],
    });
  }
  for (const group of Object.values(PRIVILEGE_GROUPS)) {
    const permissions = group.permissions.join(',');
    steps.push({
      title: `custom role ${group.roleId}`,
      describe: ['iam', 'roles', 'describe', group.roleId, ...p],
      create: [
        'iam',
        'roles',
        'create',
        group.roleId,
        '--title',
        group.title,
        '--description',
        group.description,
        '--permissions',
        permissions,
        '--stage',
        'GA',
        ...p,
      ],
      update: [
        'iam',
        'roles',
        'update',
        group.roleId,
        '--title',
        group.title,
        '--description',
        group.description,
        '--permissions',
        permissions,
        '--stage',
        'GA',
        ...p,
        '--quiet',
      ],
    });
    const member = `serviceAccount:${serviceAccountEmail(config, group.serviceAccount)}`;
    for (const role of [`projects/${config.project}/roles/${group.roleId}`, ...group.predefinedRoles]) {
      steps.push({
        title: `grant ${role} to ${group.serviceAccount}`,
        create: [
          'projects',
          'add-iam-policy-binding',
          config.project,
          '--member',
          member,
          '--role',
          role,
          '--condition',
          'None',
          '--quiet',
        ],
      });
    }
    if (group.bucketRole !== null) {
      steps.push({
        title: `grant ${group.bucketRole} on ${bucketUrl} to ${group.serviceAccount}`,
        create: [
          'storage',
          'buckets',
          'add-iam-policy-binding',
          bucketUrl,
          '--member',
          member,
          '--role',
          group.bucketRole,
          ...p,
        ],
      });
    }
  }
  const workflowMember = `serviceAccount:${serviceAccountEmail(config, WORKFLOW_SERVICE_ACCOUNT)}`;
  steps.push({
    title: `grant roles/logging.logWriter to ${WORKFLOW_SERVICE_ACCOUNT}`,
    create: [
      'projects',
      'add-iam-policy-binding',
      config.project,
      '--member',
      workflowMember,
      '--role',
      'roles/logging.logWriter',
      '--condition',
      'None',
      '--quiet',
    ],
  });
  const triggerAccount = serviceAccountEmail(config, PRIVILEGE_GROUPS.trigger.serviceAccount);
  const env = `BROKERLINK_BUCKET=${config.bucket},BROKERLINK_PROJECT=${config.project},BROKERLINK_REGION=${config.region}`;
  for (const fn of FUNCTIONS) {
    const common = [
      'functions',
      'deploy',
      fn.name,
      '--gen2',
      '--region',
      config.region,
      '--runtime',
      'nodejs22',
      '--source',
      config.source,
      '--entry-point',
      fn.entryPoint,
      '--service-account',
      serviceAccountEmail(config, PRIVILEGE_GROUPS[fn.group].serviceAccount),
      '--set-env-vars',
      env,
      '--memory',
      '256Mi',
      '--timeout',
      `${fn.timeoutSeconds}s`,
      '--max-instances',
      '10',
      '--ingress-settings',
      fn.trigger.kind === 'http' ? 'all' : 'internal-only',
    ];
    const trigger =
      fn.trigger.kind === 'http'
        ? ['--trigger-http', '--no-allow-unauthenticated']
        : fn.trigger.kind === 'instance-insert'
          ? [
              '--trigger-event-filters',
              'type=google.cloud.audit.log.v1.written',
              '--trigger-event-filters',
              'serviceName=compute.googleapis.com',
              '--trigger-event-filters',
              'methodName=v1.compute.instances.insert',
              '--trigger-location',
              config.region,
              '--trigger-service-account',
              triggerAccount,
            ]
          : [
              '--trigger-event-filters',
              'type=google.cloud.storage.object.v1.finalized',
              '--trigger-event-filters',
              `bucket=${config.bucket}`,
              '--trigger-location',
              config.region,
              '--trigger-service-account',
              triggerAccount,
            ];
    steps.push({
      title: `function ${fn.name} (${fn.trigger.kind}, runs as ${PRIVILEGE_GROUPS[fn.group].serviceAccount})`,
      create: [...common, ...trigger, ...p],
    });
    const invoker = fn.trigger.kind === 'http' ? workflowMember : `serviceAccount:${triggerAccount}`;
    steps.push({
      title: `allow ${invoker.split(':')[1]} to invoke ${fn.name}`,
      create: [
        'functions',
        'add-invoker-policy-binding',
        fn.name,
        '--region',
        config.region,
        '--member',
        invoker,
        ...p,
      ],
    });
  }
  for (const workflow of WORKFLOWS) {
    steps.push({
      title: `workflow ${workflow.name}`,
      create: [
        'workflows',
        'deploy',
        workflow.name,
        '--location',
        config.region,
        '--source',
        workflow.source,
        '--service-account',
        serviceAccountEmail(config, WORKFLOW_SERVICE_ACCOUNT),
        '--set-env-vars',
        `BROKERLINK_FUNCTIONS_URL=${functionsBaseUrl(config)},BROKERLINK_EXECUTIONS_API=https://workflowexecutions.googleapis.com/v1`,
        '--call-log-level',
        'log-errors-only',
        ...p,
      ],
    });
  }
  for (const cluster of config.clusters) {
    const job = `brokerlink-drift-${cluster}`;
    const uri = `https://workflowexecutions.googleapis.com/v1/projects/${config.project}/locations/${config.region}/workflows/brokerlink-drift-check/executions`;
    // The Executions API takes the workflow's argument as a JSON *string* inside the body.
    const body = JSON.stringify({ argument: JSON.stringify({ cluster, trigger: 'schedule' }) });
    const flags = [
      '--location',
      config.region,
      '--schedule',
      config.driftSchedule,
      '--time-zone',
      config.timeZone,
      '--uri',
      uri,
      '--http-method',
      'POST',
      '--message-body',
      body,
      '--oauth-service-account-email',
      triggerAccount,
      '--oauth-token-scope',
      'https://www.googleapis.com/auth/cloud-platform',
      ...p,
    ];
    steps.push({
      title: `drift-check schedule for ${cluster} (${config.driftSchedule})`,
      describe: ['scheduler', 'jobs', 'describe', job, '--location', config.region, ...p],
      create: ['scheduler', 'jobs', 'create', 'http', job, ...flags],
      update: ['scheduler', 'jobs', 'update', 'http', job, ...flags],
    });
  }
  return steps;
}

/** One argv as a person would paste it into a POSIX shell (single-quoted where needed). */
export function shellLine(argv: readonly string[]): string {
  return ['gcloud', ...argv]
    .map((arg) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`))
    .join(' ');
}
