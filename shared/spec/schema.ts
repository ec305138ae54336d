import { z } from 'zod';
import { nodeIdSchema, portSchema } from '../model/schemas.ts';

/*
 * The cluster spec: what the operator wants. Every object is strict (unknown keys are rejected, so a typo such
 * as `bootstapPort` is an error rather than a silently ignored setting). Messages say what is expected; the
 * path is added by the validator. Cross-field rules live in ./cross-checks.ts.
 */

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export const SECRET_REF_SCHEMES = [
  'env',
  'file',
  'aws-secretsmanager',
  'aws-ssm',
  'gcp-secretmanager',
  'alicloud-kms',
] as const;

/** Placeholders every advertised listener pattern understands without declaring them. */
export const BUILTIN_PLACEHOLDERS = ['broker_id', 'port'] as const;

/** Run a refinement even when a nested field already failed, so every problem is reported in one pass. */
const ALWAYS_CHECK = { when: () => true } as const;

const port = portSchema;

/** A TCP port written in text ("host:port"): plain decimal, no leading zeros, 1-65535. */
export function portTextProblem(text: string): string | undefined {
  if (/^0+$/.test(text)) return 'port 0 is not a TCP port a listener can use (1-65535)';
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return `the port "${text}" is not a plain decimal port number (1-65535)`;
  if (Number(text) > 65535) return `the port ${text} is above 65535`;
  return undefined;
}

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_HOST =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const IPV6_LITERAL = /^\[[0-9A-Fa-f:.]{2,45}\]$/;

/** An IPv4 address, a DNS host name (RFC 1123 labels) or a bracketed IPv6 address. */
export function isHostName(text: string): boolean {
  if (/^[0-9.]+$/.test(text)) return IPV4.test(text); // all digits and dots: an address, so it must be a valid one
  return DNS_HOST.test(text) || IPV6_LITERAL.test(text);
}

/** A string field; a number or true/false where a string belongs gets a hint to quote it. */
function text(what = 'a string') {
  return z.string({
    error: (issue) =>
      issue.input === undefined
        ? `is required: ${what}`
        : typeof issue.input === 'number' || typeof issue.input === 'boolean'
          ? `must be ${what}; YAML read ${String(issue.input)} as a ${typeof issue.input} — quote it ("${String(issue.input)}")`
          : undefined,
  });
}

export const clusterNameSchema = text('a cluster name').regex(
  /^[a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?$/,
  'must be 1-24 characters of a-z, 0-9 and "-", starting and ending with a letter or digit (it becomes part of cloud resource names)',
);

const listenerName = text('a listener name').regex(
  /^[A-Z][A-Z0-9_]{0,31}$/,
  'must be an upper-case Kafka listener name such as EXTERNAL (A-Z, 0-9, _; at most 32)',
);

const securityProtocol = z.enum(SECURITY_PROTOCOLS, {
  error: `must be one of ${SECURITY_PROTOCOLS.join(', ')}`,
});

/** A reference to a secret, never the secret itself: `env:NAME`, `file:/path`, `aws-secretsmanager:<arn or name>`, ... */
export const secretRefSchema = z
  .string({ error: 'must be a secret reference string' })
  .regex(
    new RegExp(`^(${SECRET_REF_SCHEMES.join('|')}):[^\\s]+$`),
    `must be a secret reference "<scheme>:<name>" with scheme one of ${SECRET_REF_SCHEMES.join(', ')} (secrets are never written inline)`,
  );

const hostPort = z.string({ error: 'must be a "host:port" string' }).check((ctx) => {
  const value = ctx.value;
  const separator = value.lastIndexOf(':');
  const host = value.slice(0, separator);
  const problem =
    separator <= 0
      ? 'must be "host:port" (IPv6 as "[addr]:port")'
      : !isHostName(host)
        ? `the host ${JSON.stringify(host)} is not an IP address or host name; write "host:port" (IPv6 as "[addr]:port")`
        : portTextProblem(value.slice(separator + 1));
  if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: value });
});

const cidr = z
  .string({ error: 'must be a CIDR string' })
  .regex(
    /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\/(?:3[0-2]|[12]?\d)$/,
    'must be an IPv4 CIDR such as 10.100.0.0/16',
  );

/** Absolute path made of safe characters only: it travels to a broker's command channel. */
const safeAbsolutePath = z
  .string({ error: 'must be an absolute path' })
  .regex(/^\/[A-Za-z0-9._@+/-]*$/, 'must be an absolute path of letters, digits and . _ @ + - / only')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ".." segments')
  .refine((value) => value.length <= 1024, 'must be at most 1024 characters');

const tagKey = text('a tag name').min(1, 'must not be empty').max(128, 'must be at most 128 characters');
const tagValue = text('a tag value').max(256, 'must be at most 256 characters');

/** A zone or AZ ID as clouds name them: usw2-az1, us-west1-a, cn-hangzhou-h. */
const zoneName = text('a zone name').regex(
  /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  'must be a zone or AZ ID such as usw2-az1 or us-west1-a (letters, digits, ".", "_", "-"; at most 64)',
);

// ---------------------------------------------------------------- provider

const awsProvider = z
  .strictObject({
    region: z.string().regex(/^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be an AWS region such as us-west-2'),
    loadBalancerArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/net\/[A-Za-z0-9-]+\/[0-9a-f]+$/,
        'must be the ARN of a Network Load Balancer (arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/net/<name>/<id>)',
      ),
    vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id such as vpc-0abc1234'),
    securityGroupId: z
      .string()
      .regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0abc1234')
      .optional(),
    consumerCidrs: z.array(cidr).min(1, 'must list at least one CIDR allowed to reach the load balancer'),
    /**
     * The brokers' security group. When set (with securityGroupId), brokerlink manages its ingress on each
     * exposure's broker-side port from the NLB's security group (health checks and client traffic; see docs/aws.md).
     */
    brokerSecurityGroupId: z
      .string()
      .regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0abc1234')
      .optional(),
    endpointService: z
      .strictObject({
        allowedPrincipals: z
          .array(
            z
              .string()
              .regex(/^arn:aws[a-z-]*:iam::(?:\d{12}|\*):[A-Za-z0-9+=,.@_/*-]+$/, 'must be an IAM principal ARN'),
          )
          .default([]),
        acceptanceRequired: z.boolean().default(true),
      })
      .optional(),
  })
  .refine((aws) => aws.brokerSecurityGroupId === undefined || aws.securityGroupId !== undefined, {
    path: ['brokerSecurityGroupId'],
    message:
      'needs securityGroupId too: the brokers admit traffic from the NLB security group (set securityGroupId, or drop brokerSecurityGroupId)',
  });

const gcpResourceName = (what: string) =>
  z.string().regex(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, `must be a ${what} name (lowercase letters, digits, -)`);
const gcpProjectId = z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id');

/**
 * The producer side of Private Service Connect: the service attachment's NAT subnet (purpose
 * PRIVATE_SERVICE_CONNECT; it is also the firewall's source range) and who may connect.
 */
const gcpPrivateServiceConnect = z
  .strictObject({
    natSubnetwork: gcpResourceName('subnetwork'),
    connectionPreference: z
      .enum(['ACCEPT_MANUAL', 'ACCEPT_AUTOMATIC'], { error: 'must be ACCEPT_MANUAL or ACCEPT_AUTOMATIC' })
      .default('ACCEPT_MANUAL'),
    /** Consumer projects (ids or numbers) accepted with ACCEPT_MANUAL, each with its connection limit. */
    consumerAcceptList: z
      .array(
        z.strictObject({
          project: z
            .string()
            .regex(/^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|\d{6,20})$/, 'must be a Google Cloud project id or number'),
          connectionLimit: z.number().int('must be a whole number').min(1, 'must be ≥ 1').max(1000, 'must be ≤ 1000'),
        }),
      )
      .default([]),
    /**
     * The address brokerlink's verification connects to: a Private Service Connect endpoint (in a network the
     * functions reach) whose connection this service attachment accepted. Default: the forwarding rule's address.
     */
    verifyAddress: z
      .string()
      .refine((value) => IPV4.test(value), 'must be an IPv4 address (the PSC endpoint verification connects to)')
      .optional(),
  })
  .superRefine((value, ctx) => {
    if (value.connectionPreference === 'ACCEPT_AUTOMATIC' && value.consumerAcceptList.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['consumerAcceptList'],
        message: 'is only used with connectionPreference ACCEPT_MANUAL (ACCEPT_AUTOMATIC accepts every project)',
      });
    }
  });

const gcpProvider = z.strictObject({
  project: gcpProjectId,
  region: z.string().regex(/^[a-z]+-[a-z]+\d$/, 'must be a Google Cloud region such as us-west1'),
  network: z.string().regex(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a VPC network name'),
  /** The brokers' primary NICs (nic0) are in this subnetwork; the port-mapping NEG and forwarding rule use it. */
  subnetwork: z.string().regex(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a subnetwork name'),
  /**
   * Not used on Google Cloud, accepted so that older specs still parse: Private Service Connect traffic reaches the
   * brokers from the NAT subnet, and consumers are admitted by `privateServiceConnect.consumerAcceptList`, so
   * brokerlink opens no consumer ports (the gcp profile's firewall model says why).
   */
  consumerCidrs: z
    .array(cidr)
    .min(1, 'must list at least one CIDR (or leave consumerCidrs out: unused on GCP)')
    .optional(),
  privateServiceConnect: gcpPrivateServiceConnect.optional(),
  /** Which VMs the firewall rule from the PSC NAT subnet applies to (default: every instance in the network). */
  firewallTarget: z
    .union(
      [
        z.strictObject({ networkTag: gcpResourceName('network tag') }),
        z.strictObject({
          serviceAccount: z
            .string()
            .regex(
              /^[a-z0-9-]{6,30}@[a-z0-9.-]+\.iam\.gserviceaccount\.com$|^\d+-compute@developer\.gserviceaccount\.com$/,
              'must be a service account email',
            ),
        }),
      ],
      { error: 'must be { networkTag: "<tag>" } or { serviceAccount: "<email>" }' },
    )
    .optional(),
});

/** Alibaba Cloud account ids (UIDs) are 16 digits; the consumer (e.g. TiDB Cloud) tells you theirs. */
const alicloudAccountId = z.string().regex(/^\d{16}$/, 'must be a 16-digit Alibaba Cloud account id');
const alicloudZoneId = z
  .string()
  .regex(/^[a-z]{2}-[a-z0-9-]+-?[a-z0-9]$/, 'must be an Alibaba Cloud zone id such as ap-southeast-1a');

/** Alibaba NLB's default listener quota; it is adjustable on request (Quota Center), hence a spec field. */
export const ALICLOUD_DEFAULT_LISTENER_QUOTA = 50;

const alicloudProvider = z.strictObject({
  region: z.string().regex(/^[a-z]{2}-[a-z0-9-]+$/, 'must be an Alibaba Cloud region such as ap-northeast-1'),
  loadBalancerId: z.string().regex(/^nlb-[a-z0-9]+$/, 'must be an NLB id such as nlb-abc123'),
  vpcId: z.string().regex(/^vpc-[a-z0-9]+$/, 'must be a VPC id such as vpc-abc123'),
  /** Zones the endpoint service offers; omitted: every zone of the NLB. Brokers must sit in these zones. */
  zones: z
    .array(alicloudZoneId)
    .min(1, 'must list at least one zone (or omit zones: every zone of the NLB)')
    .optional(),
  securityGroupId: z
    .string()
    .regex(/^sg-[a-z0-9]+$/, 'must be a security group id')
    .optional(),
  consumerCidrs: z.array(cidr).min(1, 'must list at least one CIDR allowed to reach the load balancer'),
  /** The Endpoint Service over the NLB (the runbook's step 2.2). Omitted: brokerlink does not manage one. */
  endpointService: z
    .strictObject({
      /** Accounts on the service whitelist: the consumer's account (TiDB Cloud's, from its console). */
      allowedAccounts: z.array(alicloudAccountId).default([]),
      /** The runbook recommends No: a person accepts the consumer's connection. */
      autoAcceptConnection: z.boolean().default(false),
    })
    .optional(),
  /** NLB listeners per instance: 50 by default, raisable on request; set it to what your quota says. */
  listenerQuota: z
    .number()
    .int('must be a whole number')
    .min(2, 'must allow at least a bootstrap and one broker listener')
    .max(10_000, 'must be at most 10000')
    .default(ALICLOUD_DEFAULT_LISTENER_QUOTA),
});

const localProvider = z.strictObject({
  /** Loopback address the local port-mapping load balancer listens on. */
  host: z
    .string()
    .refine((value) => IPV4.test(value) && value.startsWith('127.'), 'must be a loopback IPv4 address (127.x.y.z)')
    .default('127.0.0.1'),
  /**
   * The local load balancer's own ledger (it is its own "cloud"). A relative path is relative to the spec file's
   * folder (resolved by the validator when it knows the folder), never to the caller's working directory.
   */
  stateFile: text('a file path')
    .min(1, 'must be a file path')
    .max(4096, 'must be at most 4096 characters')
    .refine((value) => !value.endsWith('/'), 'must name a file, not a folder'),
  /**
   * Several brokers on one machine: broker N's files live under `<hostsDir>/<N>/` (its own "host" root), so
   * `brokers.propertiesPath` resolves to `<hostsDir>/<N><propertiesPath>`. Omitted: one broker per machine.
   */
  hostsDir: safeAbsolutePath.optional(),
});

export const PROVIDER_KINDS = ['aws', 'gcp', 'alicloud', 'local'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

const providerSchema = z
  .strictObject({
    aws: awsProvider.optional(),
    gcp: gcpProvider.optional(),
    alicloud: alicloudProvider.optional(),
    local: localProvider.optional(),
  })
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return; // not a mapping: reported
    const present = PROVIDER_KINDS.filter((kind) => value[kind] !== undefined);
    if (present.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          present.length === 0
            ? `must name exactly one provider: one of ${PROVIDER_KINDS.join(', ')}`
            : `must name exactly one provider, found ${present.join(' and ')}`,
      });
    }
  }, ALWAYS_CHECK);

// ---------------------------------------------------------------- brokers

const staticBroker = z.strictObject({
  id: nodeIdSchema,
  host: text('an IP address or host name').refine(
    isHostName,
    'must be an IP address or host name (IPv4 as 10.0.0.1, IPv6 as [fd00::1])',
  ),
  az: zoneName.optional(),
  azId: zoneName.optional(),
  instanceId: text('an instance id')
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,254}$/,
      'must be an instance id such as i-0abc1234 (letters, digits and . _ : / @ -; at most 255)',
    )
    .optional(),
});

const discoverSelector = z.strictObject({
  tags: z.record(tagKey, tagValue).refine((tags) => Object.keys(tags).length > 0, 'must select by at least one tag'),
  nodeIdTag: tagKey,
});

const restartMethod = z.union(
  [
    z.strictObject({
      systemdUnit: z
        .string()
        .regex(/^[A-Za-z0-9@._-]{1,200}\.service$/, 'must be a systemd unit name such as kafka.service'),
    }),
    z.strictObject({ script: safeAbsolutePath }),
  ],
  {
    error:
      'must be { systemdUnit: "<name>.service" } or { script: "/absolute/path" } (free-form shell is not accepted)',
  },
);

const brokersSchema = z
  .strictObject({
    discover: discoverSelector.optional(),
    static: z.array(staticBroker).min(1, 'must list at least one broker').optional(),
    propertiesPath: safeAbsolutePath,
    restart: restartMethod,
  })
  .superRefine((value, ctx) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return; // not a mapping: reported
    if ((value.discover === undefined) === (value.static === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must have exactly one of `discover` (tag selector) or `static` (broker list)',
      });
    }
  }, ALWAYS_CHECK);

// ---------------------------------------------------------------- kafka access (health gates)

const kafkaSchema = z.strictObject({
  bootstrap: z.array(hostPort).min(1, 'must list at least one "host:port" of an internal listener'),
  security: z
    .strictObject({
      protocol: securityProtocol.default('PLAINTEXT'),
      tls: z
        .strictObject({
          caRef: secretRefSchema.optional(),
          serverName: text('a host name')
            .refine(
              (value) => DNS_HOST.test(value),
              "must be the host name the brokers' certificates name, such as kafka.internal",
            )
            .optional(),
          clientCertRef: secretRefSchema.optional(),
          clientKeyRef: secretRefSchema.optional(),
        })
        .optional(),
      sasl: z
        .strictObject({
          mechanism: z.enum(SASL_MECHANISMS, { error: `must be one of ${SASL_MECHANISMS.join(', ')}` }),
          usernameRef: secretRefSchema,
          passwordRef: secretRefSchema,
        })
        .optional(),
    })
    .default({ protocol: 'PLAINTEXT' }),
  requestTimeoutMs: z.number().int('must be a whole number').min(100).max(120_000).default(5_000),
});

// ---------------------------------------------------------------- exposures

const pattern = z.string({ error: 'must be a "host:port" pattern string' }).min(1, 'must not be empty');

const exposureSchema = z.strictObject({
  listener: listenerName.default('EXTERNAL'),
  /** Port the broker binds for this listener (every broker uses the same one; the LB maps to it). */
  brokerPort: port,
  /** Consumer-side bootstrap port fanning out to every broker. Not available on GCP PSC (no fan-out). */
  bootstrapPort: port.optional(),
  brokerPorts: z.strictObject({ from: port, to: port }),
  /** One pattern, or one per AZ ID (AWS) / zone, with `<broker_id>` and `<port>` placeholders. */
  advertisedListenerPattern: z.union([pattern, z.record(zoneName, pattern)], {
    error: 'must be a pattern string or a map of AZ ID → pattern',
  }),
  /** How `<broker_id>` renders: `{id}` is the Kafka node id. */
  brokerIdFormat: z
    .string()
    .regex(/^[a-z0-9-]*\{id\}[a-z0-9-]*$/, 'must contain "{id}" once, with only a-z, 0-9 and "-" around it')
    .default('b{id}'),
  securityProtocol: securityProtocol.default('PLAINTEXT'),
  /** Extra placeholders; `null` means "not known yet" (e.g. Alibaba's unique name before the endpoint connection). */
  placeholders: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]*$/, 'placeholder names are lower_snake_case'),
      text('a placeholder value, or null while it is not known')
        .min(1, 'must not be empty (null: not known yet)')
        .nullable(),
    )
    .default({}),
});

const driftSchema = z
  .strictObject({
    action: z.enum(['report', 'repair'], { error: 'must be "report" or "repair"' }).default('report'),
    /** Let a repair move ports running brokers advertise (consumers that cached the address break). */
    allowPortMoves: z.boolean().default(false),
    schedule: text('a schedule expression')
      .check((ctx) => {
        const problem = scheduleProblem(ctx.value);
        if (problem !== undefined) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
      })
      .default('rate(15 minutes)'),
  })
  .default({ action: 'report', allowPortMoves: false, schedule: 'rate(15 minutes)' });

/**
 * A schedule expression as EventBridge Scheduler reads it: `rate(<n> <unit>)` — singular unit for 1, plural
 * otherwise — or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`.
 */
export function scheduleProblem(value: string): string | undefined {
  const rate = /^rate\(([1-9][0-9]{0,5}) (minute|minutes|hour|hours|day|days)\)$/.exec(value);
  if (rate !== null) {
    const singular = !rate[2]!.endsWith('s');
    if ((rate[1] === '1') !== singular) {
      return `must use the ${rate[1] === '1' ? 'singular' : 'plural'} unit: rate(${rate[1]} ${rate[1] === '1' ? rate[2]!.replace(/s$/, '') : rate[2]!.replace(/s?$/, 's')})`;
    }
    return undefined;
  }
  const cron = /^cron\(([^()]*)\)$/.exec(value);
  if (cron !== null) {
    const fields = cron[1]!.split(' ');
    if (fields.length !== 6 || fields.some((field) => !/^[0-9A-Za-z*?,/#-]{1,64}$/.test(field))) {
      return 'must be cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>): six fields separated by one space, such as cron(0/15 * * * ? *)';
    }
    return undefined;
  }
  return 'must be rate(<n> minutes|hours|days), such as rate(15 minutes), or cron(<six fields>), such as cron(0/15 * * * ? *)';
}

const rolloutSchema = z
  .strictObject({
    /** Consecutive healthy checks before the next broker may restart. */
    healthyChecks: z.number().int().min(1).max(20).default(3),
    healthTimeoutSeconds: z.number().int().min(10).max(3600).default(300),
    canRollTimeoutSeconds: z.number().int().min(0).max(86_400).default(600),
    /** A removed broker's port is not handed to another broker for this long. */
    portCooldownSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 86_400)
      .default(86_400),
    /**
     * `none`: one broker at a time. `rack`: the brokers of one rack together when the partition map proves it safe,
     * split where it does not (docs/rolling-restart.md §8).
     */
    batch: z.enum(['none', 'rack'], { error: 'must be "none" (one broker at a time) or "rack"' }).default('none'),
  })
  .default({
    healthyChecks: 3,
    healthTimeoutSeconds: 300,
    canRollTimeoutSeconds: 600,
    portCooldownSeconds: 86_400,
    batch: 'none',
  });

export const clusterSpecSchema = z.strictObject({
  cluster: clusterNameSchema,
  provider: providerSchema,
  brokers: brokersSchema,
  kafka: kafkaSchema,
  exposures: z.array(exposureSchema).min(1, 'must define at least one exposure'),
  drift: driftSchema,
  rollout: rolloutSchema,
});

export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type ClusterSpecInput = z.input<typeof clusterSpecSchema>;
export type Exposure = ClusterSpec['exposures'][number];
export type StaticBroker = z.output<typeof staticBroker>;
export type RestartMethod = z.output<typeof restartMethod>;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export type AwsProviderSpec = z.output<typeof awsProvider>;
export type GcpProviderSpec = z.output<typeof gcpProvider>;
export type AlicloudProviderSpec = z.output<typeof alicloudProvider>;
export type LocalProviderSpec = z.output<typeof localProvider>;

export function providerKind(spec: ClusterSpec): ProviderKind {
  const kind = PROVIDER_KINDS.find((candidate) => spec.provider[candidate] !== undefined);
  if (kind === undefined) throw new Error('validated spec has no provider');
  return kind;
}
