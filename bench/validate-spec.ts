/**
 * Benchmark: validate a realistic cluster spec from YAML text (parse + zod schema + cross-field rules): the AWS
 * example with three per-AZ patterns, a second SASL_SSL exposure with a placeholder, and 20 static brokers (so the
 * per-broker zone, duplicate-id and quota rules run too). Prints one JSON line (target: median ≤ 20 ms).
 *
 *   npx node bench/validate-spec.ts [runs=200]
 */
import { stringify } from 'yaml';
import { validateSpecText } from '../shared/spec/validate.ts';

const runs = Number(process.argv[2] ?? 200);
const zones = ['usw2-az1', 'usw2-az2', 'usw2-az3'];

const text = stringify({
  cluster: 'orders',
  provider: {
    aws: {
      region: 'us-west-2',
      loadBalancerArn:
        'arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef',
      vpcId: 'vpc-0a1b2c3d4e5f67890',
      securityGroupId: 'sg-0a1b2c3d4e5f67890',
      consumerCidrs: ['10.100.0.0/16', '10.101.0.0/16'],
      endpointService: { allowedPrincipals: ['arn:aws:iam::380838443567:root'], acceptanceRequired: true },
    },
  },
  brokers: {
    static: Array.from({ length: 20 }, (_, i) => ({
      id: 1001 + i * 7,
      host: `10.0.${i % 3}.${10 + i}`,
      azId: zones[i % 3],
      instanceId: `i-0abc${String(i).padStart(12, '0')}`,
    })),
    propertiesPath: '/home/ec2-user/kafka/config/server.properties',
    restart: { systemdUnit: 'kafka.service' },
  },
  kafka: {
    bootstrap: ['10.0.0.10:9092', '10.0.1.11:9092', '10.0.2.12:9092'],
    security: {
      protocol: 'SASL_SSL',
      tls: { caRef: 'aws-secretsmanager:kafka/ca' },
      sasl: { mechanism: 'SCRAM-SHA-512', usernameRef: 'env:KAFKA_USER', passwordRef: 'aws-secretsmanager:kafka/pw' },
    },
  },
  exposures: [
    {
      listener: 'EXTERNAL',
      brokerPort: 39092,
      bootstrapPort: 9092,
      brokerPorts: { from: 9093, to: 9141 },
      advertisedListenerPattern: Object.fromEntries(
        zones.map((z) => [z, `<broker_id>.${z}.abc.us-west-2.aws.3199015.tidbcloud.com:<port>`]),
      ),
    },
    {
      listener: 'EXTERNAL2',
      brokerPort: 39093,
      bootstrapPort: 9192,
      brokerPorts: { from: 9193, to: 9241 },
      advertisedListenerPattern: '<broker_id>.<unique_name>.second.example.com:<port>',
      placeholders: { unique_name: null },
      securityProtocol: 'SASL_SSL',
    },
  ],
  drift: { action: 'report', schedule: 'rate(15 minutes)' },
  rollout: {
    healthyChecks: 3,
    healthTimeoutSeconds: 300,
    canRollTimeoutSeconds: 600,
    portCooldownSeconds: 86400,
    batch: 'none',
  },
});

const check = validateSpecText(text);
if (!check.ok) throw new Error(`benchmark spec is invalid: ${JSON.stringify(check.issues)}`);
for (let i = 0; i < 20; i++) validateSpecText(text);
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  validateSpecText(text);
  times.push(performance.now() - started);
}
const sorted = times.sort((a, b) => a - b);
const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
console.log(
  JSON.stringify({
    bench: 'validate-spec',
    specBytes: text.length,
    staticBrokers: 20,
    exposures: 2,
    runs,
    medianMs: round(at(0.5)),
    p95Ms: round(at(0.95)),
    maxMs: round(sorted[sorted.length - 1]!),
    targetMedianMs: 20,
    withinTarget: at(0.5) <= 20,
    node: process.version,
  }),
);
