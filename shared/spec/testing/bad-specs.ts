/*
 * The bad-spec corpus: specs an operator (or an attacker) can write, each with the issue paths the validator must
 * report and a piece of the message. Every case is a small edit of one of two valid specs, as text, so each goes
 * through the whole reader (bytes, YAML, names, schema, cross-field rules). Used by shared/spec/bad-specs.test.ts
 * (parseSpecText / validateSpecBytes, every case) and cli/bad-specs.test.ts (the CLI's exit code, every case
 * in-process and a representative subset through the real `bin/brokerlink.js`).
 */

export interface BadSpecCase {
  name: string;
  /** The spec file's content. */
  spec: string | Uint8Array;
  /** The paths of the issues reported, exactly (in order). */
  paths: string[];
  /** A piece of the message of the first issue. */
  message: string;
  /** Also run through the real CLI process (a representative subset: each stage of the reader at least once). */
  cli?: true;
}

/** A valid local-provider spec (static brokers), as an operator would write it. */
export const LOCAL_SPEC = `# a local cluster
cluster: orders
provider:
  local:
    host: 127.0.0.1
    stateFile: state/lb.json
brokers:
  static:
    - { id: 1, host: 127.0.1.1, azId: zone-a }
    - { id: 2, host: 127.0.1.2, azId: zone-b }
  propertiesPath: /etc/kafka/server.properties
  restart: { systemdUnit: kafka.service }
kafka:
  bootstrap: ["127.0.1.1:9092"]
  requestTimeoutMs: 5000
exposures:
  - listener: EXTERNAL
    brokerPort: 39092
    bootstrapPort: 19092
    brokerPorts: { from: 19093, to: 19099 }
    advertisedListenerPattern:
      zone-a: "<broker_id>.a.kafka.example.com:<port>"
      zone-b: "<broker_id>.b.kafka.example.com:<port>"
drift: { action: report, schedule: rate(15 minutes) }
rollout: { healthyChecks: 3 }
`;

/** A valid AWS spec (discovery by tag, TLS), to reach the fields the local one has not. */
export const AWS_SPEC = `cluster: orders
provider:
  aws:
    region: us-west-2
    loadBalancerArn: arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/net/kafka-nlb/0123456789abcdef
    vpcId: vpc-0a1b2c3d4e5f67890
    consumerCidrs: [10.100.0.0/16]
    endpointService: { allowedPrincipals: ["arn:aws:iam::380838443567:root"], acceptanceRequired: true }
brokers:
  discover:
    tags: { "brokerlink:cluster": orders, env: prod }
    nodeIdTag: kafka-node-id
  propertiesPath: /home/ec2-user/kafka/config/server.properties
  restart: { systemdUnit: kafka.service }
kafka:
  bootstrap: ["10.0.0.11:9092"]
  security: { protocol: SSL, tls: { caRef: "file:/etc/kafka/ca.pem", serverName: kafka.internal } }
exposures:
  - brokerPort: 39092
    bootstrapPort: 9092
    brokerPorts: { from: 9093, to: 9141 }
    advertisedListenerPattern: "<broker_id>.<unique>.example.com:<port>"
    placeholders: { unique: ep-1a2b }
`;

/** `base` with `from` replaced by `to`; `from` must occur (a typo in the corpus fails loudly, not silently). */
function edit(base: string, from: string, to: string): string {
  if (!base.includes(from)) throw new Error(`corpus edit: ${JSON.stringify(from)} is not in the base spec`);
  return base.replace(from, to);
}
const local = (from: string, to: string) => edit(LOCAL_SPEC, from, to);
const aws = (from: string, to: string) => edit(AWS_SPEC, from, to);
const bytes = (text: string, at: string, inserted: number[]): Uint8Array => {
  const encoded = new TextEncoder().encode(text);
  const offset = new TextEncoder().encode(text.slice(0, text.indexOf(at))).length;
  return new Uint8Array([...encoded.subarray(0, offset), ...inserted, ...encoded.subarray(offset)]);
};
const lineOf = (text: string, at: string) => text.slice(0, text.indexOf(at)).split('\n').length;
const byteOffset = (text: string, at: string) => new TextEncoder().encode(text.slice(0, text.indexOf(at))).length;

const deepFlow = `${'['.repeat(40)}${']'.repeat(40)}`;
const laughs = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]',
].join('\n');

export const BAD_SPECS: readonly BadSpecCase[] = [
  // ------------------------------------------------------------------ the file itself
  { name: 'an empty file', spec: '', paths: [''], message: 'the spec is empty', cli: true },
  { name: 'only comments', spec: '# nothing yet\n\n# still nothing\n', paths: [''], message: 'the spec is empty' },
  { name: 'the document null', spec: 'null\n', paths: [''], message: 'the spec is empty' },
  { name: 'a list at the top', spec: '- cluster: orders\n', paths: [''], message: 'must be a mapping of cluster' },
  { name: 'a bare word at the top', spec: 'orders\n', paths: [''], message: 'got the string "orders"' },
  {
    name: 'a latin-1 byte in a tag value',
    spec: bytes(AWS_SPEC, 'prod }', [0xe9]),
    paths: [`line ${lineOf(AWS_SPEC, 'prod }')} (byte ${byteOffset(AWS_SPEC, 'prod }')})`],
    message: `byte 0xE9 at offset ${byteOffset(AWS_SPEC, 'prod }')} does not belong to a UTF-8 character`,
    cli: true,
  },
  {
    name: 'a UTF-16 file',
    spec: new Uint8Array([0xff, 0xfe, 0x63, 0x00]),
    paths: ['byte 0'],
    message: 'the file is UTF-16',
  },
  {
    name: 'an overlong UTF-8 encoding of "/"',
    spec: bytes(LOCAL_SPEC, 'lb.json', [0xc0, 0xaf]),
    paths: [`line ${lineOf(LOCAL_SPEC, 'lb.json')} (byte ${byteOffset(LOCAL_SPEC, 'lb.json')})`],
    message: 'byte 0xC0',
  },
  {
    name: 'a UTF-8 encoded surrogate',
    spec: bytes(LOCAL_SPEC, 'orders', [0xed, 0xa0, 0x80]),
    paths: [`line 2 (byte ${byteOffset(LOCAL_SPEC, 'orders')})`],
    message: 'byte 0xED',
  },
  {
    name: 'a file larger than 1 MiB',
    spec: `${LOCAL_SPEC}# ${'x'.repeat(1024 * 1024)}\n`,
    paths: ['(file)'],
    message: 'a spec may be at most 1,048,576 bytes',
    cli: true,
  },
  // ------------------------------------------------------------------ YAML
  {
    name: 'two YAML documents',
    spec: `${LOCAL_SPEC}---\ncluster: other\n`,
    paths: [`line ${LOCAL_SPEC.split('\n').length}, column 1`],
    message: 'a spec file holds exactly one',
  },
  {
    name: 'an unclosed bracket',
    spec: local('  bootstrap: ["127.0.1.1:9092"]', '  bootstrap: ["127.0.1.1:9092"'),
    paths: [`line ${lineOf(LOCAL_SPEC, '  requestTimeoutMs')}, column 3`],
    message: 'is not valid YAML/JSON',
  },
  {
    name: 'a tab as indentation',
    spec: local('  propertiesPath', '\tpropertiesPath'),
    paths: [`line ${lineOf(LOCAL_SPEC, '  propertiesPath')}, column 1`],
    message: 'is not valid YAML/JSON',
  },
  {
    name: 'a key given twice at the top',
    spec: `${LOCAL_SPEC}cluster: payments\n`,
    paths: ['cluster'],
    message: `appears twice in the same mapping (line 2, column 1 and line ${LOCAL_SPEC.split('\n').length}, column 1)`,
  },
  {
    name: 'a key given twice inside an exposure',
    spec: local('    brokerPort: 39092\n', '    brokerPort: 39092\n    brokerPort: 39093\n'),
    paths: ['exposures[0].brokerPort'],
    message: 'appears twice in the same mapping',
  },
  {
    name: 'brackets nested 40 deep',
    spec: local('drift: { action: report, schedule: rate(15 minutes) }', `drift: ${deepFlow}`),
    // The top-level mapping is level 1, so the 32nd bracket opens level 33.
    paths: [`line ${lineOf(LOCAL_SPEC, 'drift:')}, column ${'drift: '.length + 32}`],
    message: 'nests more than 32 levels',
    cli: true,
  },
  {
    name: 'indentation nested 40 deep',
    spec: `${LOCAL_SPEC}extra:\n${Array.from({ length: 40 }, (_, i) => `${' '.repeat(2 * (i + 1))}k${i}:`).join('\n')} x\n`,
    paths: [`line ${LOCAL_SPEC.split('\n').length + 32}, column ${2 * 32 + 1}`],
    message: 'nests more than 32 levels',
  },
  {
    name: 'a billion laughs through aliases',
    spec: `${LOCAL_SPEC}${laughs}\n`,
    paths: ['e[7]'], // a..d add 12,330 values; each *d adds 11,111: the 8th crosses 100,000
    message: 'makes aliases add more than 100,000 values',
    cli: true,
  },
  {
    name: 'an alias of an anchor that does not exist',
    spec: local('    brokerPort: 39092', '    brokerPort: *port'),
    paths: ['exposures[0].brokerPort'],
    message: 'no anchor &port comes before it',
  },
  {
    name: 'an alias inside the value it names',
    spec: local('rollout: { healthyChecks: 3 }', 'rollout: &loop { healthyChecks: 3, again: *loop }'),
    paths: ['rollout.again'],
    message: 'a loop',
  },
  {
    name: 'a merge key',
    spec: local('rollout: { healthyChecks: 3 }', 'defaults: &d { healthyChecks: 3 }\nrollout: { <<: *d }'),
    paths: ['rollout'],
    message: 'merge key "<<"',
  },
  {
    name: 'an explicit !!str tag on a port',
    spec: local('    brokerPort: 39092', '    brokerPort: !!str 39092'),
    paths: ['exposures[0].brokerPort'],
    message: 'has the explicit tag "tag:yaml.org,2002:str"',
  },
  {
    name: 'an unknown local tag',
    spec: local('cluster: orders', 'cluster: !secret orders'),
    paths: ['line 2, column 10'],
    message: 'is not valid YAML/JSON',
  },
  {
    name: 'a list used as a key',
    spec: local('rollout: { healthyChecks: 3 }', 'rollout: { [a, b]: 3 }'),
    paths: ['rollout'],
    message: 'a list or mapping as a key',
  },
  // ------------------------------------------------------------------ numbers
  {
    name: 'a port in hex',
    spec: local('brokerPort: 39092', 'brokerPort: 0x9894'),
    paths: ['exposures[0].brokerPort'],
    message: 'is written "0x9894"',
    cli: true,
  },
  {
    name: 'a port in octal',
    spec: local('bootstrapPort: 19092', 'bootstrapPort: 0o45224'),
    paths: ['exposures[0].bootstrapPort'],
    message: 'is written "0o45224"',
  },
  {
    name: 'a port with an exponent',
    spec: local('brokerPort: 39092', 'brokerPort: 3.9092e4'),
    paths: ['exposures[0].brokerPort'],
    message: 'write it as 39092',
  },
  {
    name: 'a port with a leading zero',
    spec: local('brokerPort: 39092', 'brokerPort: 039092'),
    paths: ['exposures[0].brokerPort'],
    message: 'is written "039092"',
  },
  {
    name: 'a port with a plus sign',
    spec: local('brokerPort: 39092', 'brokerPort: +39092'),
    paths: ['exposures[0].brokerPort'],
    message: 'is written "+39092"',
  },
  {
    name: 'a port with a fraction',
    spec: local('brokerPort: 39092', 'brokerPort: 39092.0'),
    paths: ['exposures[0].brokerPort'],
    message: 'is written "39092.0"',
  },
  {
    name: 'an infinite port',
    spec: local('brokerPort: 39092', 'brokerPort: .inf'),
    paths: ['exposures[0].brokerPort'],
    message: 'is written ".inf"',
  },
  {
    name: 'a negative port',
    spec: local('brokerPort: 39092', 'brokerPort: -1'),
    paths: ['exposures[0].brokerPort'],
    message: 'must be a TCP port number (1-65535)',
  },
  {
    name: 'port 0',
    spec: local('brokerPort: 39092', 'brokerPort: 0'),
    paths: ['exposures[0].brokerPort'],
    message: 'must be a TCP port number',
  },
  {
    name: 'port 65536',
    spec: local('from: 19093, to: 19099', 'from: 19093, to: 65536'),
    paths: ['exposures[0].brokerPorts.to'],
    message: 'must be a TCP port number',
  },
  {
    name: 'a port in quotes',
    spec: local('brokerPort: 39092', 'brokerPort: "39092"'),
    paths: ['exposures[0].brokerPort'],
    message: 'got the string "39092" — write it without quotes',
  },
  {
    name: 'a node id in hex',
    spec: local('{ id: 1, host', '{ id: 0x1, host'),
    paths: ['brokers.static[0].id'],
    message: 'is written "0x1"',
  },
  {
    name: 'a timeout with an exponent',
    spec: local('requestTimeoutMs: 5000', 'requestTimeoutMs: 5e3'),
    paths: ['kafka.requestTimeoutMs'],
    message: 'is written "5e3"',
  },
  {
    name: 'a count with a fraction',
    spec: local('healthyChecks: 3', 'healthyChecks: 1.5'),
    paths: ['rollout.healthyChecks'],
    message: 'is written "1.5"',
  },
  {
    name: 'a roll batched by an unknown unit',
    spec: local('healthyChecks: 3', 'healthyChecks: 3, batch: zone'),
    paths: ['rollout.batch'],
    message: 'must be "none" (one broker at a time) or "rack"',
  },
  {
    name: 'a count of zero',
    spec: local('healthyChecks: 3', 'healthyChecks: 0'),
    paths: ['rollout.healthyChecks'],
    message: 'must be at least 1, got the number 0',
  },
  {
    name: 'a timeout out of range',
    spec: local('requestTimeoutMs: 5000', 'requestTimeoutMs: 500000'),
    paths: ['kafka.requestTimeoutMs'],
    message: 'must be at most 120000, got the number 500000',
  },
  // ------------------------------------------------------------------ kafka.bootstrap
  {
    name: 'a bootstrap port above 65535',
    spec: local('"127.0.1.1:9092"', '"127.0.1.1:99999"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'the port 99999 is above 65535',
    cli: true,
  },
  {
    name: 'bootstrap port 0',
    spec: local('"127.0.1.1:9092"', '"127.0.1.1:0"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'port 0 is not a TCP port a listener can use',
  },
  {
    name: 'a bootstrap port with a leading zero',
    spec: local('"127.0.1.1:9092"', '"127.0.1.1:09092"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'the port "09092"',
  },
  {
    name: 'a bootstrap address without a port',
    spec: local('"127.0.1.1:9092"', '"127.0.1.1"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'must be "host:port"',
  },
  {
    name: 'a bootstrap host with a space',
    spec: local('"127.0.1.1:9092"', '"kafka 1:9092"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'the host "kafka 1"',
  },
  {
    name: 'a bootstrap address with an impossible octet',
    spec: local('"127.0.1.1:9092"', '"300.0.0.1:9092"'),
    paths: ['kafka.bootstrap[0]'],
    message: 'the host "300.0.0.1"',
  },
  {
    name: 'bootstrap as a mapping',
    spec: local('bootstrap: ["127.0.1.1:9092"]', 'bootstrap: { host: 127.0.1.1 }'),
    paths: ['kafka.bootstrap'],
    message: 'must be a list, got a mapping',
  },
  {
    name: 'an empty bootstrap list',
    spec: local('bootstrap: ["127.0.1.1:9092"]', 'bootstrap: []'),
    paths: ['kafka.bootstrap'],
    message: 'must list at least one "host:port"',
  },
  // ------------------------------------------------------------------ names: control characters
  {
    name: 'NUL in a tag value',
    spec: aws('env: prod', 'env: "prod\\0"'),
    paths: ['brokers.discover.tags.env'],
    message: 'contains NUL (U+0000 at position 5 of "prod\\u0000")',
  },
  {
    name: 'a newline in a tag key',
    spec: aws('env: prod', '"env\\nx": prod'),
    paths: ['brokers.discover.tags["env\\u000ax"]'],
    message: 'the key contains a line break',
  },
  {
    name: 'a newline in the node-id tag',
    spec: aws('nodeIdTag: kafka-node-id', 'nodeIdTag: "kafka-node-id\\n"'),
    paths: ['brokers.discover.nodeIdTag'],
    message: 'contains a line break',
  },
  {
    name: 'ESC in tls.serverName',
    spec: aws('serverName: kafka.internal', 'serverName: "kafka.internal\\e[2J"'),
    paths: ['kafka.security.tls.serverName'],
    message: 'contains a control character (U+001B',
  },
  {
    name: 'a right-to-left override in a static host',
    spec: local('host: 127.0.1.2', 'host: "127.0.1.2\\u202e"'),
    paths: ['brokers.static[1].host'],
    message: 'a bidirectional-text control',
    cli: true,
  },
  {
    name: 'a tab in an instance id',
    spec: local(
      '{ id: 1, host: 127.0.1.1, azId: zone-a }',
      '{ id: 1, host: 127.0.1.1, azId: zone-a, instanceId: "i-1\\t" }',
    ),
    paths: ['brokers.static[0].instanceId'],
    message: 'contains a tab',
  },
  {
    name: 'DEL in an AZ name',
    spec: local('azId: zone-a }', 'azId: zone-a, az: "a\\x7f" }'),
    paths: ['brokers.static[0].az'],
    message: 'U+007F',
  },
  {
    name: 'a C1 next-line character in an AZ ID',
    spec: local('azId: zone-b', 'azId: "zone-b\\N"'),
    paths: ['brokers.static[1].azId'],
    message: 'U+0085',
  },
  {
    name: 'a line separator in drift.schedule',
    spec: local('schedule: rate(15 minutes)', 'schedule: "rate(15 minutes)\\L"'),
    paths: ['drift.schedule'],
    message: 'U+2028',
    cli: true,
  },
  {
    name: 'NUL in the local stateFile',
    spec: local('stateFile: state/lb.json', 'stateFile: "state/lb.json\\0"'),
    paths: ['provider.local.stateFile'],
    message: 'contains NUL',
    cli: true,
  },
  {
    name: 'a newline in the local stateFile',
    spec: local('stateFile: state/lb.json', 'stateFile: "state/lb\\n.json"'),
    paths: ['provider.local.stateFile'],
    message: 'contains a line break',
  },
  {
    name: 'a zero-width space in a listener name',
    spec: local('listener: EXTERNAL', 'listener: "EXTERNAL\\u200b"'),
    paths: ['exposures[0].listener'],
    message: 'an invisible character',
  },
  {
    name: 'a byte-order mark inside a placeholder value',
    spec: aws('unique: ep-1a2b', 'unique: "ep-1a2b\\ufeff"'),
    paths: ['exposures[0].placeholders.unique'],
    message: 'U+FEFF',
  },
  {
    name: 'a control character in a zone key',
    spec: local('      zone-b: "<broker_id>', '      "zone-b\\x01": "<broker_id>'),
    paths: ['exposures[0].advertisedListenerPattern["zone-b\\u0001"]'],
    message: 'the key contains a control character',
  },
  {
    name: 'half a surrogate pair in the cluster name',
    spec: local('cluster: orders', 'cluster: "orders\\ud800"'),
    paths: ['cluster'],
    message: 'half of a UTF-16 surrogate pair',
  },
  {
    name: 'a replacement character in a tag value',
    spec: aws('env: prod', 'env: "pr\\ufffdod"'),
    paths: ['brokers.discover.tags.env'],
    message: 'the replacement character',
  },
  // ------------------------------------------------------------------ keys named like Object's own members
  {
    name: 'a broker in zone "toString" with a pattern only for "constructor"',
    spec: local('azId: zone-b }', 'azId: toString }').replace('      zone-b:', '      constructor:'),
    paths: ['exposures[0].advertisedListenerPattern'],
    message: 'has no pattern for zone "toString" of broker 2',
    cli: true,
  },
  {
    name: 'a broker in zone "constructor" without a pattern for it',
    spec: local('azId: zone-b }', 'azId: constructor }'),
    paths: ['exposures[0].advertisedListenerPattern'],
    message: 'has no pattern for zone "constructor" of broker 2',
  },
  {
    name: 'an undeclared placeholder named <constructor>',
    spec: aws('<broker_id>.<unique>.example.com', '<broker_id>.<constructor>.example.com'),
    paths: ['exposures[0].advertisedListenerPattern'],
    message: 'uses <constructor>, which is not declared',
  },
  {
    name: 'a tag named __proto__',
    spec: aws('env: prod', '__proto__: prod'),
    paths: ['brokers.discover.tags.__proto__'],
    message: 'the key is "__proto__"',
  },
  {
    name: 'a top-level key named __proto__',
    spec: `${LOCAL_SPEC}__proto__: { polluted: true }\n`,
    paths: ['__proto__'],
    message: 'the key is "__proto__"',
  },
  {
    name: 'a top-level key named toString',
    spec: `${LOCAL_SPEC}toString: x\n`,
    paths: [''],
    message: 'has unknown key "toString"',
  },
  {
    name: 'a placeholder named hasOwnProperty',
    spec: aws('placeholders: { unique: ep-1a2b }', 'placeholders: { unique: ep-1a2b, hasOwnProperty: x }'),
    paths: ['exposures[0].placeholders.hasOwnProperty'],
    message: 'placeholder names are lower_snake_case',
  },
  // ------------------------------------------------------------------ static brokers
  {
    name: 'two static brokers on one host',
    spec: local('host: 127.0.1.2', 'host: 127.0.1.1'),
    paths: ['brokers.static[1].host'],
    message: '127.0.1.1 is already the host of brokers.static[0] (broker 1)',
    cli: true,
  },
  {
    name: 'two static brokers on one host name, spelt in other cases',
    spec: local('host: 127.0.1.1,', 'host: kafka-1.internal,').replace('host: 127.0.1.2', 'host: KAFKA-1.internal'),
    paths: ['brokers.static[1].host'],
    message: 'is already the host of brokers.static[0]',
  },
  {
    name: 'two static brokers with one node id',
    spec: local('{ id: 2,', '{ id: 1,'),
    paths: ['brokers.static[1].id'],
    message: '1 is already used by brokers.static[0]',
  },
  {
    name: 'an empty host',
    spec: local('host: 127.0.1.1', 'host: ""'),
    paths: ['brokers.static[0].host'],
    message: 'must be an IP address or host name',
  },
  {
    name: 'a host with a port',
    spec: local('host: 127.0.1.1', 'host: "127.0.1.1:9092"'),
    paths: ['brokers.static[0].host'],
    message: 'must be an IP address or host name',
  },
  {
    name: 'an instance id with shell characters',
    spec: local('azId: zone-a }', 'azId: zone-a, instanceId: "i-1;reboot" }'),
    paths: ['brokers.static[0].instanceId'],
    message: 'must be an instance id',
  },
  {
    name: 'a zone with a space',
    spec: local('azId: zone-a }', 'azId: "zone a" }'),
    paths: ['brokers.static[0].azId'],
    message: 'must be a zone or AZ ID',
  },
  {
    name: 'a static node id above int32',
    spec: local('{ id: 1,', '{ id: 2147483648,'),
    paths: ['brokers.static[0].id'],
    message: 'must fit a Kafka node id (int32)',
  },
  // ------------------------------------------------------------------ local provider
  {
    name: 'a stateFile that names a folder',
    spec: local('stateFile: state/lb.json', 'stateFile: state/'),
    paths: ['provider.local.stateFile'],
    message: 'must name a file, not a folder',
  },
  {
    name: 'an empty stateFile',
    spec: local('stateFile: state/lb.json', 'stateFile: ""'),
    paths: ['provider.local.stateFile'],
    message: 'must be a file path',
  },
  {
    name: 'a stateFile YAML reads as a number',
    spec: local('stateFile: state/lb.json', 'stateFile: 1234'),
    paths: ['provider.local.stateFile'],
    message: 'quote it ("1234")',
  },
  {
    name: 'a local host that is not a valid address',
    spec: local('host: 127.0.0.1', 'host: 127.0.0.256'),
    paths: ['provider.local.host'],
    message: 'must be a loopback IPv4 address',
  },
  {
    name: 'a local host off loopback',
    spec: local('host: 127.0.0.1', 'host: 10.0.0.1'),
    paths: ['provider.local.host'],
    message: 'must be a loopback IPv4 address',
  },
  // ------------------------------------------------------------------ tls and drift
  {
    name: 'a server name with a space',
    spec: aws('serverName: kafka.internal', 'serverName: "kafka internal"'),
    paths: ['kafka.security.tls.serverName'],
    message: "must be the host name the brokers' certificates name",
  },
  {
    name: 'an empty server name',
    spec: aws('serverName: kafka.internal', 'serverName: ""'),
    paths: ['kafka.security.tls.serverName'],
    message: "must be the host name the brokers' certificates name",
  },
  {
    name: 'a schedule of rate(0 minutes)',
    spec: local('schedule: rate(15 minutes)', 'schedule: rate(0 minutes)'),
    paths: ['drift.schedule'],
    message: 'must be rate(<n> minutes|hours|days)',
  },
  {
    name: 'a schedule of rate(1 minutes)',
    spec: local('schedule: rate(15 minutes)', 'schedule: rate(1 minutes)'),
    paths: ['drift.schedule'],
    message: 'must use the singular unit: rate(1 minute)',
  },
  {
    name: 'a schedule of rate(5 minute)',
    spec: local('schedule: rate(15 minutes)', 'schedule: rate(5 minute)'),
    paths: ['drift.schedule'],
    message: 'must use the plural unit: rate(5 minutes)',
  },
  {
    name: 'a cron schedule of five fields',
    spec: local('schedule: rate(15 minutes)', 'schedule: "cron(0/15 * * * ?)"'),
    paths: ['drift.schedule'],
    message: 'six fields',
  },
  {
    name: 'allowPortMoves as a word',
    spec: local(
      'drift: { action: report, schedule: rate(15 minutes) }',
      'drift: { action: repair, allowPortMoves: yes }',
    ),
    paths: ['drift.allowPortMoves'],
    message: 'must be true or false, got the string "yes"',
  },
  {
    name: 'a schedule in words',
    spec: local('schedule: rate(15 minutes)', 'schedule: every 15 minutes'),
    paths: ['drift.schedule'],
    message: 'such as rate(15 minutes)',
  },
  // ------------------------------------------------------------------ shapes, in our words
  {
    name: 'exposures as a mapping',
    spec: local('exposures:\n  - listener: EXTERNAL', 'exposures:\n  first:\n    listener: EXTERNAL').replace(
      /\n {4}(brokerPort|bootstrapPort|brokerPorts|advertisedListenerPattern)/g,
      '\n    $1',
    ),
    paths: ['exposures'],
    message: 'must be a list, got a mapping',
  },
  {
    name: 'the provider as a string',
    spec: local('provider:\n  local:\n    host: 127.0.0.1\n    stateFile: state/lb.json', 'provider: local'),
    paths: ['provider'],
    message: 'must be a mapping (key: value), got the string "local"',
  },
  {
    name: 'an empty drift section',
    spec: local('drift: { action: report, schedule: rate(15 minutes) }', 'drift:'),
    paths: ['drift'],
    message: 'must be a mapping (key: value), got an empty value',
  },
  {
    name: 'no cluster name',
    spec: local('cluster: orders\n', ''),
    paths: ['cluster'],
    message: 'is required: a cluster name',
  },
  {
    name: 'a tag value YAML reads as a number',
    spec: aws('env: prod', 'env: 1'),
    paths: ['brokers.discover.tags.env'],
    message: 'YAML read 1 as a number — quote it ("1")',
  },
  {
    name: 'a yes/no where true/false belongs',
    spec: aws('acceptanceRequired: true', 'acceptanceRequired: yes'),
    paths: ['provider.aws.endpointService.acceptanceRequired'],
    message: 'must be true or false, got the string "yes"',
  },
  {
    name: 'an unknown security protocol',
    spec: aws('protocol: SSL', 'protocol: TLS'),
    paths: ['kafka.security.protocol'],
    message: 'must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL',
  },
  // ------------------------------------------------------------------ cross-field rules
  {
    name: 'two exposures with one listener name',
    spec: `${LOCAL_SPEC.replace(/\ndrift:[^\n]*\nrollout:[^\n]*\n$/, '\n')}  - listener: EXTERNAL\n    brokerPort: 39093\n    bootstrapPort: 29092\n    brokerPorts: { from: 29093, to: 29099 }\n    advertisedListenerPattern: "<broker_id>.second.example.com:<port>"\n`,
    paths: ['exposures[1].listener'],
    message: '"EXTERNAL" is already used by exposures[0]',
  },
  {
    name: 'two exposures with overlapping port ranges',
    spec: `${LOCAL_SPEC.replace(/\ndrift:[^\n]*\nrollout:[^\n]*\n$/, '\n')}  - listener: SECOND\n    brokerPort: 39093\n    bootstrapPort: 29092\n    brokerPorts: { from: 19095, to: 19110 }\n    advertisedListenerPattern: "<broker_id>.second.example.com:<port>"\n`,
    paths: ['exposures[1].brokerPorts'],
    message: '19095-19110 overlaps exposures[0].brokerPorts 19093-19099',
  },
  {
    name: 'a bootstrap port inside the broker port range',
    spec: local('bootstrapPort: 19092', 'bootstrapPort: 19095'),
    paths: ['exposures[0].bootstrapPort'],
    message: '19095 lies inside exposures[0].brokerPorts 19093-19099',
  },
  {
    name: 'a port range that runs backwards',
    spec: local('from: 19093, to: 19099', 'from: 19099, to: 19093'),
    paths: ['exposures[0].brokerPorts.to'],
    message: 'must be ≥ from (19099), got 19093',
  },
];
