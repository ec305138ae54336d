import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpecInvalid, type SpecIssue } from './errors.ts';
import type { ClusterSpecInput } from './schema.ts';
import { LOCAL_SPEC } from './testing/bad-specs.ts';
import { parseSpec, parseSpecText, validateSpec, validateSpecText } from './validate.ts';

/* Schema rules and cross-field rules of the cluster spec, through the public validator. */

function base(): ClusterSpecInput & Record<string, unknown> {
  return {
    cluster: 'orders',
    provider: {
      aws: {
        region: 'us-west-2',
        loadBalancerArn:
          'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef',
        vpcId: 'vpc-0a1b2c3d4e5f67890',
        securityGroupId: 'sg-0a1b2c3d4e5f67890',
        consumerCidrs: ['10.100.0.0/16'],
      },
    },
    brokers: {
      discover: { tags: { 'brokerlink:cluster': 'orders' }, nodeIdTag: 'kafka-node-id' },
      propertiesPath: '/home/ec2-user/kafka/config/server.properties',
      restart: { systemdUnit: 'kafka.service' },
    },
    kafka: { bootstrap: ['10.0.0.11:9092'] },
    exposures: [
      {
        listener: 'EXTERNAL',
        brokerPort: 39092,
        bootstrapPort: 9092,
        brokerPorts: { from: 9093, to: 9141 },
        advertisedListenerPattern: {
          'usw2-az1': '<broker_id>.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:<port>',
          'usw2-az2': '<broker_id>.usw2-az2.abc.us-west-2.aws.3199015.tidbcloud.com:<port>',
        },
      },
    ],
  };
}

/** A spec value built by editing a fresh copy of the base (any shape, to try invalid input). */
// biome-ignore lint/suspicious/noExplicitAny: the tests build deliberately malformed specs of any shape
type Loose = Record<string, any>;
function edited(edit: (spec: Loose) => void): unknown {
  const spec = structuredClone(base()) as Loose;
  edit(spec);
  return spec;
}

function issues(value: unknown): SpecIssue[] {
  const result = validateSpec(value);
  return result.ok ? [] : result.issues;
}

function secondExposure(overrides: Loose = {}): Loose {
  return {
    listener: 'EXTERNAL2',
    brokerPort: 39093,
    bootstrapPort: 9192,
    brokerPorts: { from: 9193, to: 9241 },
    advertisedListenerPattern: '<broker_id>.second.example.com:<port>',
    ...overrides,
  };
}

describe('validateSpec: a valid spec', () => {
  it('accepts the base spec and fills in the defaults', () => {
    const result = validateSpec(base());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.exposures[0]).toMatchObject({
      brokerIdFormat: 'b{id}',
      securityProtocol: 'PLAINTEXT',
      placeholders: {},
    });
    expect(result.spec.kafka.security).toEqual({ protocol: 'PLAINTEXT' });
    expect(result.spec.rollout.portCooldownSeconds).toBe(86_400);
    expect(result.spec.rollout.batch).toBe('none');
    expect(result.spec.drift).toEqual({ action: 'report', allowPortMoves: false, schedule: 'rate(15 minutes)' });
  });

  it('accepts the documented example spec', () => {
    const text = readFileSync(new URL('../../docs/examples/aws-orders.yaml', import.meta.url), 'utf8');
    expect(validateSpecText(text)).toMatchObject({ ok: true });
  });
});

describe('validateSpec: unknown keys', () => {
  it('rejects a misspelt key inside an exposure, naming the path and the key', () => {
    expect(issues(edited((s) => (s.exposures[0].bootstapPort = 9092)))).toEqual([
      { path: 'exposures[0]', message: 'has unknown key "bootstapPort"; remove it or fix the spelling' },
    ]);
  });

  it('rejects unknown keys at the top level and in the provider', () => {
    const found = issues(
      edited((s) => {
        s.extra = true;
        s.provider.aws.regoin = 'x';
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        { path: '', message: 'has unknown key "extra"; remove it or fix the spelling' },
        { path: 'provider.aws', message: 'has unknown key "regoin"; remove it or fix the spelling' },
      ]),
    );
  });
});

describe('validateSpec: every problem at once', () => {
  it('reports schema problems in several sections in one pass', () => {
    const found = issues(
      edited((s) => {
        s.cluster = 'Orders!';
        s.provider.aws.region = 'mars-1';
        s.kafka.bootstrap = [];
        s.exposures[0].brokerPort = 70000;
        s.exposures[0].listener = 'external';
      }),
    );
    expect(found.map((i) => i.path).sort()).toEqual([
      'cluster',
      'exposures[0].brokerPort',
      'exposures[0].listener',
      'kafka.bootstrap',
      'provider.aws.region',
    ]);
  });

  it('reports every cross-field problem at once', () => {
    const found = issues(
      edited((s) => {
        s.exposures[0].brokerPorts = { from: 9141, to: 9093 };
        s.exposures.push(secondExposure({ listener: 'EXTERNAL', brokerPort: 39092 }));
        s.kafka.security = { protocol: 'SASL_SSL' };
      }),
    );
    expect(found.map((i) => i.path).sort()).toEqual([
      'exposures[0].brokerPorts.to',
      'exposures[1].brokerPort',
      'exposures[1].listener',
      'kafka.security.sasl',
    ]);
  });

  it('throws SpecInvalid carrying every issue from parseSpec', () => {
    const bad = edited((s) => {
      s.cluster = '';
      s.exposures = [];
    });
    const error = (() => {
      try {
        parseSpec(bad, 'orders.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SpecInvalid);
    expect((error as SpecInvalid).issues).toHaveLength(2);
    expect((error as Error).message).toMatch(/^orders\.yaml is invalid \(2 problems\):/);
    expect((error as Error).message).toContain('  - exposures: must define at least one exposure');
  });
});

describe('validateSpec: ports', () => {
  it('rejects overlapping broker port ranges between exposures', () => {
    const found = issues(
      edited((s) => s.exposures.push(secondExposure({ bootstrapPort: 9000, brokerPorts: { from: 9141, to: 9200 } }))),
    );
    expect(found).toEqual([
      {
        path: 'exposures[1].brokerPorts',
        message: '9141-9200 overlaps exposures[0].brokerPorts 9093-9141; consumer-side port ranges must not overlap',
      },
    ]);
  });

  it('rejects a bootstrap port inside its own or another exposure’s range', () => {
    expect(issues(edited((s) => (s.exposures[0].bootstrapPort = 9100)))).toEqual([
      { path: 'exposures[0].bootstrapPort', message: '9100 lies inside exposures[0].brokerPorts 9093-9141' },
    ]);
    expect(issues(edited((s) => s.exposures.push(secondExposure({ bootstrapPort: 9093 }))))).toEqual([
      { path: 'exposures[1].bootstrapPort', message: '9093 lies inside exposures[0].brokerPorts 9093-9141' },
    ]);
  });

  it('rejects two exposures with one bootstrap port, one listener name or one broker port', () => {
    expect(issues(edited((s) => s.exposures.push(secondExposure({ bootstrapPort: 9092 }))))).toEqual([
      { path: 'exposures[1].bootstrapPort', message: '9092 is already the bootstrap port of exposures[0]' },
    ]);
    expect(issues(edited((s) => s.exposures.push(secondExposure({ listener: 'EXTERNAL' }))))).toEqual([
      { path: 'exposures[1].listener', message: '"EXTERNAL" is already used by exposures[0]' },
    ]);
    expect(issues(edited((s) => s.exposures.push(secondExposure({ brokerPort: 39092 }))))).toEqual([
      {
        path: 'exposures[1].brokerPort',
        message: '39092 is already the broker port of exposures[0]; each listener binds its own port',
      },
    ]);
  });

  it('rejects a broker port that is the internal listener’s port', () => {
    expect(issues(edited((s) => (s.exposures[0].brokerPort = 9092)))).toEqual([
      {
        path: 'exposures[0].brokerPort',
        message: '9092 is the port of the internal listener in kafka.bootstrap; choose a free port',
      },
    ]);
  });

  it('requires bootstrapPort outside GCP and forbids it on GCP', () => {
    expect(issues(edited((s) => delete s.exposures[0].bootstrapPort))).toEqual([
      { path: 'exposures[0].bootstrapPort', message: 'is required on aws (the port that fans out to every broker)' },
    ]);
    const gcp = edited((s) => {
      s.provider = {
        gcp: {
          project: 'kafka-project-1',
          region: 'us-west1',
          network: 'kafka-net',
          subnetwork: 'kafka-subnet',
          consumerCidrs: ['10.100.0.0/16'],
        },
      };
      s.exposures[0].advertisedListenerPattern = '<broker_id>.psc.example.internal:<port>';
      // GCP discovers by labels: a "brokerlink:cluster" key cannot be one (see gcp.test.ts).
      s.brokers.discover = { tags: { 'brokerlink-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' };
    });
    expect(issues(gcp)).toEqual([
      { path: 'exposures[0].bootstrapPort', message: expect.stringContaining('must be omitted on gcp') },
    ]);
  });
});

describe('validateSpec: advertised listener patterns', () => {
  const withPattern = (pattern: string, placeholders?: Record<string, string | null>) =>
    issues(
      edited((s) => {
        s.exposures[0].advertisedListenerPattern = pattern;
        if (placeholders !== undefined) s.exposures[0].placeholders = placeholders;
      }),
    );

  it('requires <broker_id> and a trailing :<port>', () => {
    expect(withPattern('kafka.example.com:<port>')).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: 'must contain <broker_id> so every broker gets its own name',
      },
    ]);
    expect(withPattern('<broker_id>.example.com:9093')).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: 'must end with ":<port>" so every broker advertises its own load-balancer port',
      },
    ]);
    expect(withPattern('<broker_id>-<port>.example.com:<port>')).toEqual([
      { path: 'exposures[0].advertisedListenerPattern', message: 'may use <port> only once, after the last ":"' },
    ]);
  });

  it('rejects an undeclared placeholder and accepts a declared one that is not known yet (null)', () => {
    expect(withPattern('<broker_id>.<unique_name>.example.com:<port>')).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: expect.stringContaining(
          "uses <unique_name>, which is not declared: add it to this exposure's placeholders",
        ),
      },
    ]);
    expect(withPattern('<broker_id>.<unique_name>.example.com:<port>', { unique_name: null })).toEqual([]);
    expect(withPattern('<broker_id>.<unique_name>.example.com:<port>', { unique_name: 'ep-1a2b' })).toEqual([]);
  });

  it('rejects an unbalanced bracket and placeholder names that are not lower_snake_case', () => {
    expect(withPattern('<broker_id>.ex<ample.com:<port>')).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: 'has an unbalanced "<" or ">"; placeholders look like <broker_id>',
      },
    ]);
    expect(withPattern('<broker_id>.example.com:<port>', { UniqueName: 'x' })).toEqual([
      { path: 'exposures[0].placeholders.UniqueName', message: 'placeholder names are lower_snake_case' },
    ]);
  });

  it('rejects a name whose DNS label would exceed 63 characters', () => {
    const long = 'a'.repeat(64);
    expect(withPattern(`<broker_id>.${long}.example.com:<port>`)).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: `renders "b2147483647.${long}.example.com": the label "${long}" is 64 characters long; at most 63 are allowed`,
      },
    ]);
  });

  it('judges label length against the largest possible node id, and against the largest static id when brokers are listed', () => {
    // "b" + 2147483647 = 11 characters; a 52-character suffix makes 63 only for small ids.
    const pattern = `<broker_id>${'x'.repeat(53)}.example.com:<port>`;
    expect(withPattern(pattern)).toEqual([
      { path: 'exposures[0].advertisedListenerPattern', message: expect.stringContaining('is 64 characters long') },
    ]);
    const staticSpec = edited((s) => {
      s.exposures[0].advertisedListenerPattern = pattern;
      delete s.brokers.discover;
      s.brokers.static = [{ id: 7, host: '10.0.0.7' }];
    });
    expect(issues(staticSpec)).toEqual([]);
  });

  it('rejects a rendered name longer than 253 characters', () => {
    const labels = Array.from({ length: 5 }, () => 'a'.repeat(60)).join('.');
    expect(withPattern(`<broker_id>.${labels}:<port>`)).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: expect.stringMatching(/the host name is 3\d\d characters long; at most 253 are allowed$/),
      },
    ]);
  });

  it('rejects upper-case or underscore labels in a known placeholder value', () => {
    expect(withPattern('<broker_id>.<unique>.example.com:<port>', { unique: 'Bad_Label' })).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: expect.stringContaining('the label "Bad_Label" is not a valid DNS label'),
      },
    ]);
  });

  it('checks each per-zone pattern under its own path', () => {
    const found = issues(
      edited((s) => (s.exposures[0].advertisedListenerPattern['usw2-az2'] = 'no-id.example.com:<port>')),
    );
    expect(found).toEqual([
      {
        path: 'exposures[0].advertisedListenerPattern.usw2-az2',
        message: 'must contain <broker_id> so every broker gets its own name',
      },
    ]);
  });

  it('restricts brokerIdFormat to one {id} with DNS-safe characters around it', () => {
    expect(issues(edited((s) => (s.exposures[0].brokerIdFormat = 'kafka-{id}')))).toEqual([]);
    expect(issues(edited((s) => (s.exposures[0].brokerIdFormat = 'B_{id}')))).toEqual([
      {
        path: 'exposures[0].brokerIdFormat',
        message: 'must contain "{id}" once, with only a-z, 0-9 and "-" around it',
      },
    ]);
  });
});

describe('validateSpec: static brokers', () => {
  const withStatic = (brokers: Loose[], edit: (s: Loose) => void = () => {}) =>
    issues(
      edited((s) => {
        delete s.brokers.discover;
        s.brokers.static = brokers;
        edit(s);
      }),
    );

  it('requires exactly one of discover and static', () => {
    expect(issues(edited((s) => delete s.brokers.discover))).toEqual([
      { path: 'brokers', message: 'must have exactly one of `discover` (tag selector) or `static` (broker list)' },
    ]);
    expect(issues(edited((s) => (s.brokers.static = [{ id: 1, host: '10.0.0.1' }])))).toEqual([
      { path: 'brokers', message: 'must have exactly one of `discover` (tag selector) or `static` (broker list)' },
    ]);
  });

  it('names the broker and the zone when a per-zone pattern is missing, and asks for a zone when none is given', () => {
    expect(
      withStatic([
        { id: 1, host: '10.0.0.1', azId: 'usw2-az1' },
        { id: 2, host: '10.0.0.2', azId: 'usw2-az3' },
        { id: 3, host: '10.0.0.3' },
      ]),
    ).toEqual([
      { path: 'brokers.static[2]', message: 'needs azId (or az): exposures[0].advertisedListenerPattern is per zone' },
      {
        path: 'exposures[0].advertisedListenerPattern',
        message: 'has no pattern for zone "usw2-az3" of broker 2; add one (zones with patterns: usw2-az1, usw2-az2)',
      },
    ]);
  });

  it('rejects duplicate node ids', () => {
    expect(
      withStatic([
        { id: 1001, host: '10.0.0.1', azId: 'usw2-az1' },
        { id: 1001, host: '10.0.0.2', azId: 'usw2-az2' },
      ]),
    ).toEqual([{ path: 'brokers.static[1].id', message: '1001 is already used by brokers.static[0]' }]);
  });

  it('rejects node ids outside int32', () => {
    expect(withStatic([{ id: 2147483648, host: '10.0.0.1', azId: 'usw2-az1' }])).toEqual([
      { path: 'brokers.static[0].id', message: 'must fit a Kafka node id (int32)' },
    ]);
  });

  it('applies the AWS 50-listener quota to static brokers: 49 fit, 50 do not', () => {
    const list = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: i + 1, host: `10.0.0.${i + 1}`, azId: 'usw2-az1' }));
    const wide = (s: Loose) => (s.exposures[0].brokerPorts = { from: 9093, to: 9200 });
    expect(withStatic(list(49), wide)).toEqual([]);
    expect(withStatic(list(50), wide)).toEqual([
      {
        path: 'exposures',
        message: expect.stringContaining(
          'needs 51 listeners on one load balancer (50 brokers × 1 exposure(s) + 1 bootstrap), but a aws network load balancer allows at most 50',
        ),
      },
    ]);
  });

  it('halves the quota with two exposures', () => {
    const list = Array.from({ length: 25 }, (_, i) => ({ id: i + 1, host: `10.0.0.${i + 1}`, azId: 'usw2-az1' }));
    expect(withStatic(list, (s) => s.exposures.push(secondExposure()))).toEqual([
      { path: 'exposures', message: expect.stringContaining('with 2 exposure(s) at most 24 brokers fit') },
    ]);
  });

  it('rejects more static brokers than the port range holds', () => {
    const list = Array.from({ length: 4 }, (_, i) => ({ id: i, host: `10.0.0.${i + 1}`, azId: 'usw2-az1' }));
    expect(withStatic(list, (s) => (s.exposures[0].brokerPorts = { from: 9093, to: 9095 }))).toEqual([
      { path: 'exposures[0].brokerPorts', message: 'holds 3 ports but 4 brokers are listed; widen the range' },
    ]);
  });
});

describe('validateSpec: Kafka security', () => {
  const security = (value: Loose) => issues(edited((s) => (s.kafka.security = value)));
  const sasl = {
    mechanism: 'SCRAM-SHA-512',
    usernameRef: 'env:KAFKA_USER',
    passwordRef: 'aws-secretsmanager:kafka/pw',
  };

  it('requires sasl settings for SASL protocols and refuses them otherwise', () => {
    expect(security({ protocol: 'SASL_PLAINTEXT' })).toEqual([
      { path: 'kafka.security.sasl', message: 'is required when protocol is SASL_PLAINTEXT' },
    ]);
    expect(security({ protocol: 'SASL_PLAINTEXT', sasl })).toEqual([]);
    expect(security({ protocol: 'PLAINTEXT', sasl })).toEqual([
      { path: 'kafka.security.sasl', message: 'is set but protocol PLAINTEXT does not use SASL' },
    ]);
  });

  it('refuses tls settings without TLS and requires client cert and key together', () => {
    expect(security({ protocol: 'SASL_PLAINTEXT', sasl, tls: { caRef: 'file:/etc/ca.pem' } })).toEqual([
      { path: 'kafka.security.tls', message: 'is set but protocol SASL_PLAINTEXT does not use TLS' },
    ]);
    expect(security({ protocol: 'SSL', tls: { clientCertRef: 'file:/etc/c.pem' } })).toEqual([
      { path: 'kafka.security.tls', message: 'clientCertRef and clientKeyRef must be given together' },
    ]);
    expect(security({ protocol: 'SASL_SSL', sasl, tls: { caRef: 'file:/etc/ca.pem', serverName: 'kafka' } })).toEqual(
      [],
    );
  });

  it('accepts secret references only, never inline secrets', () => {
    expect(security({ protocol: 'SASL_PLAINTEXT', sasl: { ...sasl, passwordRef: 'hunter2' } })).toEqual([
      {
        path: 'kafka.security.sasl.passwordRef',
        message: expect.stringContaining('must be a secret reference "<scheme>:<name>"'),
      },
    ]);
  });
});

describe('validateSpec: values that reach a broker’s shell', () => {
  it.each([
    ['$(reboot)'],
    ['/opt/kafka/config/server.properties; reboot'],
    ['/opt/kafka/`reboot`/server.properties'],
    ['/opt/kafka/$(reboot)'],
    ['/opt/kafka/config with space'],
  ])('rejects propertiesPath %j, naming the field', (value) => {
    expect(issues(edited((s) => (s.brokers.propertiesPath = value)))).toEqual([
      {
        path: 'brokers.propertiesPath',
        message: expect.stringMatching(/^must be an absolute path of letters, digits/),
      },
    ]);
  });

  it('rejects a path with ".." segments', () => {
    expect(issues(edited((s) => (s.brokers.propertiesPath = '/opt/kafka/../../etc/shadow')))).toEqual([
      { path: 'brokers.propertiesPath', message: 'must not contain ".." segments' },
    ]);
  });

  it.each([['$(reboot).service'], ['kafka.service; reboot'], ['kafka'], ['kafka service.service']])(
    'rejects systemdUnit %j, naming the field',
    (value) => {
      expect(issues(edited((s) => (s.brokers.restart = { systemdUnit: value })))).toEqual([
        { path: 'brokers.restart.systemdUnit', message: 'must be a systemd unit name such as kafka.service' },
      ]);
    },
  );

  it('rejects a restart script that is not a safe absolute path, and free-form commands', () => {
    expect(issues(edited((s) => (s.brokers.restart = { script: '/opt/restart.sh && reboot' })))).toEqual([
      {
        path: 'brokers.restart.script',
        message: 'must be an absolute path of letters, digits and . _ @ + - / only',
      },
    ]);
    expect(issues(edited((s) => (s.brokers.restart = { command: 'systemctl restart kafka' })))).toEqual([
      { path: 'brokers.restart', message: expect.stringContaining('free-form shell is not accepted') },
    ]);
    expect(issues(edited((s) => (s.brokers.restart = { script: '/opt/kafka/bin/restart.sh' })))).toEqual([]);
  });
});

describe('validateSpec: missing and mistyped sections', () => {
  it('reports missing sections as required instead of failing', () => {
    expect(validateSpec({ cluster: 'orders' })).toEqual({
      ok: false,
      issues: expect.arrayContaining([
        { path: 'provider', message: 'is required: a mapping (key: value)' },
        { path: 'brokers', message: 'is required: a mapping (key: value)' },
        { path: 'kafka', message: 'is required: a mapping (key: value)' },
        { path: 'exposures', message: 'is required: a list' },
      ]),
    });
    expect(issues(edited((s) => (s.provider = null)))).toEqual([
      { path: 'provider', message: 'must be a mapping (key: value), got an empty value' },
    ]);
  });

  it('tells a mistyped value from a missing one', () => {
    expect(issues(edited((s) => (s.cluster = 5)))).toEqual([
      { path: 'cluster', message: 'must be a cluster name; YAML read 5 as a number — quote it ("5")' },
    ]);
    expect(issues(edited((s) => (s.exposures[0].brokerPort = '39092')))).toEqual([
      {
        path: 'exposures[0].brokerPort',
        message: 'must be a TCP port number (1-65535), got the string "39092" — write it without quotes',
      },
    ]);
  });

  it('reports a bad record key with the key rule’s message', () => {
    const key = 'k'.repeat(129);
    expect(issues(edited((s) => (s.brokers.discover.tags = { [key]: 'x' })))).toEqual([
      {
        path: `brokers.discover.tags["${'k'.repeat(60)}…" (129 characters)]`,
        message: 'must be at most 128 characters',
      },
    ]);
  });
});

describe('validateSpec: provider', () => {
  it('requires exactly one provider', () => {
    expect(issues(edited((s) => (s.provider = {})))).toEqual([
      { path: 'provider', message: 'must name exactly one provider: one of aws, gcp, alicloud, local' },
    ]);
    expect(issues(edited((s) => (s.provider.local = { stateFile: '/tmp/lb.json' })))).toEqual([
      { path: 'provider', message: 'must name exactly one provider, found aws and local' },
    ]);
  });

  it('requires a Network Load Balancer ARN on AWS', () => {
    const found = issues(
      edited(
        (s) =>
          (s.provider.aws.loadBalancerArn =
            'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/web/0123456789abcdef'),
      ),
    );
    expect(found).toEqual([
      {
        path: 'provider.aws.loadBalancerArn',
        message: expect.stringContaining('must be the ARN of a Network Load Balancer'),
      },
    ]);
  });
});

describe('validateSpecText', () => {
  it('reports YAML syntax errors with line and column', () => {
    const result = validateSpecText('cluster: orders\nprovider: [\n');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
  });

  it('rejects duplicate keys in the document, naming both lines', () => {
    const result = validateSpecText('cluster: orders\ncluster: other\n');
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: 'cluster',
        message: 'appears twice in the same mapping (line 1, column 1 and line 2, column 1); keep one',
      },
    ]);
  });

  it('parses JSON as well, and parseSpecText throws SpecInvalid naming the source', () => {
    expect(validateSpecText(JSON.stringify(base())).ok).toBe(true);
    expect(() => parseSpecText('cluster: orders\n', 'orders.yaml')).toThrow(/^orders\.yaml is invalid/);
  });
});

describe('validateSpec: run-command scope on AWS', () => {
  it('requires discovery by the brokerlink:cluster tag, which IAM scopes SendCommand to', () => {
    const spec = base();
    spec.brokers.discover = { tags: { 'kafka-cluster': 'orders' }, nodeIdTag: 'kafka-node-id' };
    const result = validateSpec(spec);
    expect(result.ok).toBe(false);
    const issue = (result as { issues: SpecIssue[] }).issues.find((i) => i.path === 'brokers.discover.tags');
    expect(issue?.message).toContain('must include "brokerlink:cluster": orders');
  });

  it('rejects a brokerlink:cluster tag naming another cluster', () => {
    const spec = base();
    spec.brokers.discover = { tags: { 'brokerlink:cluster': 'payments' }, nodeIdTag: 'kafka-node-id' };
    expect(validateSpec(spec).ok).toBe(false);
  });
});

describe('validateSpecText: limits and paths', () => {
  const localSpec = LOCAL_SPEC;

  it('resolves a relative local stateFile against the spec file’s folder, never the working directory', () => {
    const result = validateSpecText(localSpec, { baseDir: '/srv/kafka/specs' });
    expect(result.ok && result.spec.provider.local?.stateFile).toBe('/srv/kafka/specs/state/lb.json');
    const absolute = validateSpecText(localSpec.replace('state/lb.json', '/var/lib/bl/lb.json'), { baseDir: '/x' });
    expect(absolute.ok && absolute.spec.provider.local?.stateFile).toBe('/var/lib/bl/lb.json');
  });

  it('refuses text above the size limit before parsing it', () => {
    const result = validateSpecText(`${localSpec}#${'é'.repeat(600_000)}\n`); // 1.2 MB of UTF-8
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toEqual(['(file)']);
  });

  it('lists at most 100 problems and counts the rest', () => {
    const brokers = Array.from({ length: 150 }, (_, i) => `    - { id: ${i + 1}, host: 127.0.2.${i + 1} }`);
    const spec = localSpec.replace(/ {2}static:\n(?: {4}- .*\n)+/, `  static:\n${brokers.join('\n')}\n`);
    const result = validateSpecText(spec.replace('to: 19099', 'to: 19299'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toHaveLength(101);
    expect(result.issues[100]).toEqual({ path: '', message: expect.stringMatching(/^and 50 more problems/) });
  });

  it('checks names in a value that never was text (a Step Functions input) as well', () => {
    expect(issues(edited((s) => (s.brokers.discover.tags = { 'brokerlink:cluster': 'orders\u0000' })))).toEqual([
      { path: 'brokers.discover.tags.brokerlink:cluster', message: expect.stringContaining('contains NUL') },
    ]);
    expect(
      issues(
        edited((s) => (s.brokers.discover.tags = JSON.parse('{"brokerlink:cluster": "orders", "__proto__": "x"}'))),
      ),
    ).toEqual([{ path: 'brokers.discover.tags.__proto__', message: expect.stringContaining('"__proto__"') }]);
  });
});
