import { describe, expect, it } from 'vitest';
import { BrokerConfigInvalid } from './errors.ts';
import { brokerPropertiesFrom, parseJavaProperties } from './properties.ts';

describe('parseJavaProperties', () => {
  it('follows java.util.Properties syntax', () => {
    const p = parseJavaProperties(
      [
        '# comment',
        '! also a comment',
        '  node.id = 3',
        'listeners:PLAINTEXT://:9092,\\',
        '    EXTERNAL://0.0.0.0:39092',
        'key\\ with\\ space value here',
        'unicode=caf\\u00e9',
        'empty=',
        'dup=1',
        'dup=2',
      ].join('\n'),
    );
    expect(Object.fromEntries(p)).toEqual({
      'node.id': '3',
      listeners: 'PLAINTEXT://:9092,EXTERNAL://0.0.0.0:39092',
      'key with space': 'value here',
      unicode: 'café',
      empty: '',
      dup: '2',
    });
  });
});

describe('brokerPropertiesFrom', () => {
  it('reads the listener settings of a KRaft combined node', () => {
    const b = brokerPropertiesFrom(
      parseJavaProperties(
        [
          'process.roles=broker,controller',
          'node.id=2',
          'controller.listener.names=CONTROLLER',
          'listeners=PLAINTEXT://:9092,CONTROLLER://:9093,external://0.0.0.0:39092',
          'advertised.listeners=PLAINTEXT://10.0.0.12:9092,EXTERNAL://b2.example.com:9094',
          'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:SASL_SSL',
          'broker.rack=usw2-az1',
        ].join('\n'),
      ),
    );
    expect(b).toMatchObject({
      nodeId: 2,
      idKey: 'node.id',
      kraft: true,
      roles: ['broker', 'controller'],
      rack: 'usw2-az1',
    });
    expect(b.listeners.map((l) => `${l.name}|${l.host}|${l.port}`)).toEqual([
      'PLAINTEXT||9092',
      'CONTROLLER||9093',
      'EXTERNAL|0.0.0.0|39092',
    ]);
    expect(b.advertisedListeners!.map((l) => `${l.name}|${l.host}|${l.port}`)).toEqual([
      'PLAINTEXT|10.0.0.12|9092',
      'EXTERNAL|b2.example.com|9094',
    ]);
    expect(b.protocolMap.get('EXTERNAL')).toBe('SASL_SSL');
  });

  it('uses broker.id in ZooKeeper mode and the default protocol map', () => {
    const b = brokerPropertiesFrom(parseJavaProperties('broker.id=7\nlisteners=SSL://:9093'));
    expect(b).toMatchObject({ nodeId: 7, idKey: 'broker.id', kraft: false, advertisedListeners: null });
    expect(b.protocolMap.get('SSL')).toBe('SSL');
  });

  it('refuses configurations Kafka would refuse, naming the key', () => {
    const bad = (text: string) => () => brokerPropertiesFrom(parseJavaProperties(text));
    expect(bad('listeners=PLAINTEXT://:9092')).toThrow(/broker.id is missing/);
    expect(bad('broker.id=1\nlisteners=EXTERNAL://:9092')).toThrow(/no security protocol for listener EXTERNAL/);
    expect(bad('broker.id=1\nadvertised.listeners=OTHER://h:1')).toThrow(/advertised.listeners: OTHER/);
    expect(bad('broker.id=1\nadvertised.listeners=PLAINTEXT://0.0.0.0:1')).toThrow(/0.0.0.0/);
    expect(bad('broker.id=1\nlisteners=PLAINTEXT:/x')).toThrow(BrokerConfigInvalid);
    expect(bad('process.roles=controller\nnode.id=1')).toThrow(/controller.listener.names/);
  });
});
