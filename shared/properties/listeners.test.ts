import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getProperty, parseProperties, propertiesToMap } from './document.ts';
import { ExposureInvalid, ListenerConflict, UnsupportedListenerConfig } from './errors.ts';
import { applyListenerExposures, type ListenerExposure, listenerViews, readListenerConfig } from './listeners.ts';

const external = (over: Partial<ListenerExposure> = {}): ListenerExposure => ({
  name: 'EXTERNAL',
  bindHost: '0.0.0.0',
  bindPort: 39092,
  advertisedHost: 'b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com',
  advertisedPort: 9093,
  securityProtocol: 'PLAINTEXT',
  ...over,
});

/** A KRaft node as the seeds' "reconfigure a running cluster" path finds it: no EXTERNAL yet. */
const KRAFT = `# brokers in usw2-az1
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@10.0.0.11:29092,2@10.0.0.12:29092,3@10.0.0.13:29092
listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092
inter.broker.listener.name=INTERNAL
advertised.listeners=INTERNAL://10.0.0.11:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=./data
`;

const ZOOKEEPER = `broker.id=2
zookeeper.connect=10.0.0.5:2181
listeners=PLAINTEXT://10.0.0.12:9092
num.partitions=3
`;

const lines = (text: string) => text.split('\n');
const changedLines = (before: string, after: string) => {
  const a = lines(before);
  return lines(after).filter((l) => !a.includes(l));
};

describe('applyListenerExposures on a KRaft file', () => {
  it('adds the listener, its advertised address and its protocol, touching only those three lines', () => {
    const result = applyListenerExposures(KRAFT, [external()]);
    expect(result.changed).toBe(true);
    expect(changedLines(KRAFT, result.text)).toEqual([
      'listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092,EXTERNAL://0.0.0.0:39092',
      'advertised.listeners=INTERNAL://10.0.0.11:9092,EXTERNAL://b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9093',
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,EXTERNAL:PLAINTEXT',
    ]);
    expect(lines(result.text)).toHaveLength(lines(KRAFT).length);
    const props = propertiesToMap(parseProperties(result.text));
    expect(props.get('inter.broker.listener.name')).toBe('INTERNAL');
    expect(props.get('controller.listener.names')).toBe('CONTROLLER');
  });

  it('produces a unified diff of exactly the change', () => {
    const { diff } = applyListenerExposures(KRAFT, [external()], { fileName: 'config/server.properties' });
    expect(diff).toContain('--- a/config/server.properties');
    expect(diff).toContain('+++ b/config/server.properties');
    expect(diff).toContain('-listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092\n');
    expect(diff).toContain('+listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092,EXTERNAL://0.0.0.0:39092\n');
    expect(diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toHaveLength(6);
  });

  it('is idempotent: applying its own output again changes nothing', () => {
    const once = applyListenerExposures(KRAFT, [external()]);
    const twice = applyListenerExposures(once.text, [external()]);
    expect(twice).toEqual({ text: once.text, changed: false, diff: '' });
  });

  it('moves only the advertised address when the bind is already ours (a port or host known later)', () => {
    const once = applyListenerExposures(KRAFT, [external()]).text;
    const moved = applyListenerExposures(once, [
      external({ advertisedHost: 'b1.real-name.example.com', advertisedPort: 9100 }),
    ]);
    expect(changedLines(once, moved.text)).toEqual([
      'advertised.listeners=INTERNAL://10.0.0.11:9092,EXTERNAL://b1.real-name.example.com:9100',
    ]);
  });

  it('adds a second exposure next to the first', () => {
    const once = applyListenerExposures(KRAFT, [external()]).text;
    const both = applyListenerExposures(once, [
      external(),
      external({
        name: 'EXTERNAL2',
        bindPort: 39093,
        advertisedHost: 'b1.other.example.com',
        advertisedPort: 9200,
        securityProtocol: 'SASL_SSL',
      }),
    ]);
    const config = readListenerConfig(both.text);
    expect(config.listeners.endpoints.map((l) => l.name)).toEqual(['INTERNAL', 'CONTROLLER', 'EXTERNAL', 'EXTERNAL2']);
    expect(config.securityProtocolMap.entries['EXTERNAL2']).toBe('SASL_SSL');
    expect(changedLines(once, both.text)).toHaveLength(3);
  });

  it('writes the implicit protocol map (defaults and the PLAINTEXT controller) when the file has none', () => {
    const text = KRAFT.replace(/^listener\.security\.protocol\.map=.*\n/m, '').replace(/INTERNAL/g, 'PLAINTEXT');
    const result = applyListenerExposures(text, [external()]);
    expect(getProperty(parseProperties(result.text), 'listener.security.protocol.map')).toBe(
      'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT',
    );
  });

  it('keeps CRLF line ends, comments, continuation lines elsewhere and the spelling of edited lines', () => {
    const text =
      '! managed by hand\r\nlisteners = INTERNAL://0.0.0.0:9092 , CONTROLLER://0.0.0.0:29092\r\n' +
      'inter.broker.listener.name=INTERNAL\r\ncontroller.listener.names=CONTROLLER\r\nprocess.roles=broker,controller\r\n' +
      'advertised.listeners: INTERNAL://10.0.0.11:9092\r\nlong.value=a,\\\r\n   b\r\n' +
      'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT';
    const result = applyListenerExposures(text, [external()]);
    expect(result.text).toBe(
      '! managed by hand\r\nlisteners = INTERNAL://0.0.0.0:9092 , CONTROLLER://0.0.0.0:29092,EXTERNAL://0.0.0.0:39092\r\n' +
        'inter.broker.listener.name=INTERNAL\r\ncontroller.listener.names=CONTROLLER\r\nprocess.roles=broker,controller\r\n' +
        'advertised.listeners: INTERNAL://10.0.0.11:9092,EXTERNAL://b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9093\r\n' +
        'long.value=a,\\\r\n   b\r\n' +
        'listener.security.protocol.map=INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,EXTERNAL:PLAINTEXT',
    );
  });

  it('edits a listeners value written over continuation lines', () => {
    const text = KRAFT.replace(
      'listeners=INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092',
      'listeners=INTERNAL://0.0.0.0:9092,\\\n          CONTROLLER://0.0.0.0:29092',
    );
    const result = applyListenerExposures(text, [external()]);
    expect(readListenerConfig(result.text).listeners.endpoints.map((l) => l.name)).toEqual([
      'INTERNAL',
      'CONTROLLER',
      'EXTERNAL',
    ]);
    expect(applyListenerExposures(result.text, [external()]).changed).toBe(false);
  });

  it('edits the last of duplicate listeners keys, the one Kafka reads', () => {
    const text = `listeners=OLD://:1\n${KRAFT}`;
    const result = applyListenerExposures(text, [external()]);
    expect(result.text.startsWith('listeners=OLD://:1\n')).toBe(true);
    expect(readListenerConfig(result.text).listeners.endpoints).toHaveLength(3);
  });

  it('handles IPv6 literals in existing listeners and in the exposure', () => {
    const text = KRAFT.replace('INTERNAL://0.0.0.0:9092', 'INTERNAL://[::1]:9092').replace(
      'INTERNAL://10.0.0.11:9092',
      'INTERNAL://[fd00::11]:9092',
    );
    const result = applyListenerExposures(text, [external({ bindHost: '::', advertisedHost: '[fd00::aa]' })]);
    const config = readListenerConfig(result.text);
    expect(config.listeners.endpoints).toContainEqual({ name: 'INTERNAL', host: '::1', port: 9092 });
    expect(config.listeners.endpoints).toContainEqual({ name: 'EXTERNAL', host: '::', port: 39092 });
    expect(getProperty(parseProperties(result.text), 'advertised.listeners')).toBe(
      'INTERNAL://[fd00::11]:9092,EXTERNAL://[fd00::aa]:9093',
    );
    expect(
      applyListenerExposures(result.text, [external({ bindHost: '[::]', advertisedHost: 'fd00::aa' })]).changed,
    ).toBe(false);
  });
});

describe('applyListenerExposures on a ZooKeeper-mode file', () => {
  it('makes the implicit advertised listeners and protocol map explicit so PLAINTEXT keeps working', () => {
    const result = applyListenerExposures(ZOOKEEPER, [external()]);
    const props = propertiesToMap(parseProperties(result.text));
    expect(props.get('listeners')).toBe('PLAINTEXT://10.0.0.12:9092,EXTERNAL://0.0.0.0:39092');
    expect(props.get('advertised.listeners')).toBe(
      'PLAINTEXT://10.0.0.12:9092,EXTERNAL://b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9093',
    );
    expect(props.get('listener.security.protocol.map')).toBe(
      'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,EXTERNAL:PLAINTEXT',
    );
    expect(props.get('broker.id')).toBe('2');
    expect(lines(result.text).slice(0, 3)).toEqual([
      'broker.id=2',
      'zookeeper.connect=10.0.0.5:2181',
      'listeners=PLAINTEXT://10.0.0.12:9092,EXTERNAL://0.0.0.0:39092',
    ]);
  });

  it("writes Kafka's default PLAINTEXT://:9092 when listeners is absent, and keeps it advertised", () => {
    const text = 'broker.id=3\nzookeeper.connect=zk:2181';
    const result = applyListenerExposures(text, [external()]);
    const props = propertiesToMap(parseProperties(result.text));
    expect(props.get('listeners')).toBe('PLAINTEXT://:9092,EXTERNAL://0.0.0.0:39092');
    expect(props.get('advertised.listeners')).toBe(
      'PLAINTEXT://:9092,EXTERNAL://b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com:9093',
    );
    expect(result.text.startsWith('broker.id=3\nlisteners=PLAINTEXT://:9092,EXTERNAL://0.0.0.0:39092\n')).toBe(true);
    expect(props.get('zookeeper.connect')).toBe('zk:2181');
  });

  it('refuses files that still use the pre-3.0 port/host.name keys', () => {
    expect(() => applyListenerExposures('broker.id=1\nport=9093\nhost.name=10.0.0.1\n', [external()])).toThrowError(
      UnsupportedListenerConfig,
    );
  });
});

describe('applyListenerExposures conflicts', () => {
  const conflict = (text: string, exposure: ListenerExposure): ListenerConflict => {
    try {
      applyListenerExposures(text, [exposure]);
    } catch (e) {
      if (e instanceof ListenerConflict) return e;
      throw e;
    }
    throw new Error('expected a ListenerConflict');
  };

  it('refuses a listener name that already binds another port', () => {
    const text = KRAFT.replace('CONTROLLER://0.0.0.0:29092', 'CONTROLLER://0.0.0.0:29092,EXTERNAL://0.0.0.0:19092');
    const e = conflict(text, external());
    expect(e.code).toBe('name-bound-elsewhere');
    expect(e.message).toContain('EXTERNAL://0.0.0.0:19092');
  });

  it('refuses a listener name that already binds another host', () => {
    const text = KRAFT.replace('CONTROLLER://0.0.0.0:29092', 'CONTROLLER://0.0.0.0:29092,EXTERNAL://10.0.0.11:39092');
    expect(conflict(text, external()).code).toBe('name-bound-elsewhere');
  });

  it('refuses the inter-broker listener name, explicit or by default', () => {
    expect(conflict(KRAFT, external({ name: 'internal' })).code).toBe('name-is-inter-broker');
    expect(conflict(ZOOKEEPER, external({ name: 'PLAINTEXT' })).code).toBe('name-is-inter-broker');
  });

  it('refuses a controller listener name', () => {
    expect(conflict(KRAFT, external({ name: 'CONTROLLER' })).code).toBe('name-is-controller');
  });

  it('refuses a port another listener binds', () => {
    const e = conflict(KRAFT, external({ bindPort: 29092 }));
    expect(e.code).toBe('port-in-use');
    expect(e.message).toContain('CONTROLLER://0.0.0.0:29092');
  });

  it('refuses a controller-only node', () => {
    expect(
      conflict(KRAFT.replace('process.roles=broker,controller', 'process.roles=controller'), external()).code,
    ).toBe('not-a-broker');
  });

  it('rejects invalid exposures naming the field', () => {
    const bad = [
      external({ bindPort: 0 }),
      external({ name: 'EXTERNAL', advertisedHost: '0.0.0.0' }),
      external({ name: 'EXT; rm -rf /' }),
      external({ advertisedHost: 'host$(reboot)' }),
    ];
    try {
      applyListenerExposures(KRAFT, bad);
      throw new Error('expected ExposureInvalid');
    } catch (e) {
      expect(e).toBeInstanceOf(ExposureInvalid);
      const issues = (e as ExposureInvalid).issues.join('\n');
      expect(issues).toContain('exposures[0].bindPort');
      expect(issues).toContain('exposures[1].advertisedHost');
      expect(issues).toContain('exposures[1].name: is used twice');
      expect(issues).toContain('exposures[2].name');
      expect(issues).toContain('exposures[3].advertisedHost');
    }
  });
});

describe('readListenerConfig', () => {
  it('reads node id, roles, listeners, advertised and the map of a KRaft file', () => {
    const config = readListenerConfig(applyListenerExposures(KRAFT, [external()]).text);
    expect(config.mode).toBe('kraft');
    expect(config.nodeId).toBe(1);
    expect(config.processRoles).toEqual(['broker', 'controller']);
    expect(config.interBrokerListenerName).toBe('INTERNAL');
    expect(config.controllerListenerNames).toEqual(['CONTROLLER']);
    expect(listenerViews(config)['EXTERNAL']).toEqual({
      bind: { host: '0.0.0.0', port: 39092 },
      advertised: { host: 'b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com', port: 9093 },
      securityProtocol: 'PLAINTEXT',
    });
  });

  it("applies Kafka's defaults to a minimal ZooKeeper-mode file", () => {
    const config = readListenerConfig('broker.id=7\nzookeeper.connect=zk:2181\n');
    expect(config).toMatchObject({
      mode: 'zookeeper',
      nodeId: 7,
      processRoles: null,
      listeners: { explicit: false, endpoints: [{ name: 'PLAINTEXT', host: '', port: 9092 }] },
      advertisedListeners: { explicit: false, endpoints: [{ name: 'PLAINTEXT', host: '', port: 9092 }] },
      interBrokerListenerName: 'PLAINTEXT',
    });
  });

  it('leaves the KRaft controller listener out of the implicit advertised listeners', () => {
    const text = KRAFT.replace(/^advertised\.listeners=.*\n/m, '');
    expect(readListenerConfig(text).advertisedListeners.endpoints.map((e) => e.name)).toEqual(['INTERNAL']);
  });
});

describe('applyListenerExposures properties', () => {
  const exposureArb = fc.record({
    name: fc.constantFrom('EXTERNAL', 'EXTERNAL2', 'PSC'),
    bindHost: fc.constantFrom('0.0.0.0', '', '::', '10.0.0.11'),
    bindPort: fc.integer({ min: 30000, max: 40000 }),
    advertisedHost: fc.constantFrom('b1.example.com', 'fd00::1', '10.9.9.9'),
    advertisedPort: fc.integer({ min: 1, max: 65535 }),
    securityProtocol: fc.constantFrom('PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL') as fc.Arbitrary<
      ListenerExposure['securityProtocol']
    >,
  });
  const files = fc.constantFrom(KRAFT, ZOOKEEPER, 'broker.id=1\n', KRAFT.replace(/\n/g, '\r\n'), `# x\n${ZOOKEEPER}`);

  it('is idempotent, reads back as requested, and keeps every other key', () => {
    fc.assert(
      fc.property(files, fc.uniqueArray(exposureArb, { selector: (e) => e.name, maxLength: 3 }), (text, exposures) => {
        const ports = new Set(exposures.map((e) => e.bindPort));
        fc.pre(ports.size === exposures.length);
        const once = applyListenerExposures(text, exposures);
        expect(applyListenerExposures(once.text, exposures).changed).toBe(false);
        const config = readListenerConfig(once.text);
        for (const e of exposures) {
          expect(config.listeners.endpoints).toContainEqual({ name: e.name, host: e.bindHost, port: e.bindPort });
          expect(config.securityProtocolMap.entries[e.name]).toBe(e.securityProtocol);
        }
        const before = propertiesToMap(parseProperties(text));
        const after = propertiesToMap(parseProperties(once.text));
        for (const [k, v] of before) {
          if (!['listeners', 'advertised.listeners', 'listener.security.protocol.map'].includes(k)) {
            expect(after.get(k)).toBe(v);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
