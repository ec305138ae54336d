/**
 * Benchmark: the spec validator on very large specs (issue 13: a 5.8 MB spec took 45 s to validate). For each
 * shape that can grow — static brokers, exposures, tag keys, zone keys — it builds a spec of about 5.8 MB and one
 * just under the 1 MiB size limit, and times:
 *   - `validateSpecText` on the 5.8 MB text (refused by the size limit),
 *   - `validateSpec` on the 5.8 MB value (a value that never was text, as a Step Functions input: no size limit
 *     applies, so schema and cross-field rules must be linear on their own),
 *   - `validateSpecText` on the 1 MiB text (the largest a CLI user or a spec store can hand in: YAML included).
 * Prints one JSON line per shape (target: every figure ≤ 2,000 ms).
 *
 *   npx node bench/validate-spec-large.ts [runs=3]
 * `BENCH_VALIDATOR=<path to validate.ts>` times another copy of the validator (how the "before" figures were taken).
 */
import { stringify } from 'yaml';

const runs = Number(process.argv[2] ?? 3);
const validatorPath = process.env.BENCH_VALIDATOR ?? '../shared/spec/validate.ts';
const { validateSpec, validateSpecText } = (await import(validatorPath)) as {
  validateSpec: (value: unknown) => { ok: boolean };
  validateSpecText: (text: string) => { ok: boolean };
};

const TARGET_MS = 2000;
const LARGE = 5.8e6;
const LIMIT = 1024 * 1024 - 4096;

type Shape = (n: number) => Record<string, unknown>;

const base = () => ({
  cluster: 'orders',
  provider: { local: { stateFile: '/tmp/lb.json' } },
  brokers: { propertiesPath: '/etc/kafka/server.properties', restart: { systemdUnit: 'kafka.service' } } as Record<
    string,
    unknown
  >,
  kafka: { bootstrap: ['127.0.0.1:9092'] },
  exposures: [] as unknown[],
});

const shapes: Record<string, Shape> = {
  staticBrokers: (n) => {
    const spec = base();
    spec.brokers.static = Array.from({ length: n }, (_, i) => ({
      id: i,
      host: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      azId: `zone-${i % 3}`,
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
    }));
    spec.exposures.push({
      brokerPort: 39092,
      bootstrapPort: 1000,
      brokerPorts: { from: 1001, to: 65535 },
      advertisedListenerPattern: Object.fromEntries(
        [0, 1, 2].map((z) => [`zone-${z}`, `<broker_id>.z${z}.example.com:<port>`]),
      ),
    });
    return spec;
  },
  exposures: (n) => {
    const spec = base();
    spec.brokers.discover = { tags: { env: 'prod' }, nodeIdTag: 'kafka-node-id' };
    spec.exposures = Array.from({ length: n }, (_, i) => ({
      listener: `E${i}`,
      brokerPort: 1 + (i % 60000),
      bootstrapPort: 1 + ((i + 30000) % 60000),
      brokerPorts: { from: 1 + (i % 60000), to: 1 + (i % 60000) },
      advertisedListenerPattern: '<broker_id>.example.com:<port>',
    }));
    return spec;
  },
  tagKeys: (n) => {
    const spec = base();
    spec.brokers.discover = {
      tags: Object.fromEntries(Array.from({ length: n }, (_, i) => [`key-${i}`, `value-${i}`])),
      nodeIdTag: 'kafka-node-id',
    };
    spec.exposures.push({
      brokerPort: 39092,
      bootstrapPort: 1000,
      brokerPorts: { from: 1001, to: 65535 },
      advertisedListenerPattern: '<broker_id>.example.com:<port>',
    });
    return spec;
  },
  zoneKeys: (n) => {
    const spec = base();
    spec.brokers.discover = { tags: { env: 'prod' }, nodeIdTag: 'kafka-node-id' };
    spec.exposures.push({
      brokerPort: 39092,
      bootstrapPort: 1000,
      brokerPorts: { from: 1001, to: 65535 },
      advertisedListenerPattern: Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`zone-${i}`, `<broker_id>.z${i}.example.com:<port>`]),
      ),
    });
    return spec;
  },
};

/** The spec of this shape whose YAML is as close to `bytes` as possible from below (binary search on n). */
function sized(shape: Shape, bytes: number): { value: Record<string, unknown>; text: string } {
  let low = 1;
  let high = 1;
  while (stringify(shape(high)).length < bytes) high *= 2;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (stringify(shape(middle)).length <= bytes) low = middle;
    else high = middle - 1;
  }
  const value = shape(low);
  return { value, text: stringify(value) };
}

function median(run: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!);
}

for (const [name, shape] of Object.entries(shapes)) {
  const large = sized(shape, LARGE);
  const atLimit = sized(shape, LIMIT);
  const largeText = median(() => validateSpecText(large.text));
  const largeValue = median(() => validateSpec(large.value));
  const limitText = median(() => validateSpecText(atLimit.text));
  console.log(
    JSON.stringify({
      bench: 'validate-spec-large',
      shape: name,
      largeBytes: large.text.length,
      largeTextMs: largeText,
      largeValueMs: largeValue,
      limitBytes: atLimit.text.length,
      limitTextMs: limitText,
      limitTextOk: validateSpecText(atLimit.text).ok,
      runs,
      targetMs: TARGET_MS,
      withinTarget: Math.max(largeText, largeValue, limitText) <= TARGET_MS,
      node: process.version,
    }),
  );
}
