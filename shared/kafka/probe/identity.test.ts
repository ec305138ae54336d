import { describe, expect, it } from 'vitest';
import { formatHostPort, parseHostPort, parseListeners, parseUnexpectedBrokerId } from './identity.ts';

describe('parseUnexpectedBrokerId', () => {
  it('reads the id of the broker that answered from Kafka 2.x/3.x sentence', () => {
    expect(parseUnexpectedBrokerId('Unexpected broker id, expected 3 or empty string, but received 2')).toBe(3);
  });
  it('reads the Kafka 1.x sentence without the empty-string clause', () => {
    expect(parseUnexpectedBrokerId('Unexpected broker id, expected 17 but received 4')).toBe(17);
  });
  it('returns null when the message names no id', () => {
    expect(parseUnexpectedBrokerId('Invalid request')).toBeNull();
    expect(parseUnexpectedBrokerId(null)).toBeNull();
    expect(parseUnexpectedBrokerId('')).toBeNull();
  });
});

describe('parseListeners', () => {
  it('splits listeners into name, host and port', () => {
    const { endpoints, invalid } = parseListeners(
      'INTERNAL://10.0.0.11:9092, EXTERNAL://b1.usw2-az1.abc.example.com:9093,ALL://:9094,V6://[::1]:9095',
    );
    expect(invalid).toEqual([]);
    expect(endpoints).toEqual([
      { name: 'INTERNAL', host: '10.0.0.11', port: 9092 },
      { name: 'EXTERNAL', host: 'b1.usw2-az1.abc.example.com', port: 9093 },
      { name: 'ALL', host: '', port: 9094 },
      { name: 'V6', host: '::1', port: 9095 },
    ]);
  });
  it('reports entries it cannot parse instead of dropping them', () => {
    expect(parseListeners('EXTERNAL://host-without-port,OK://h:1').invalid).toEqual(['EXTERNAL://host-without-port']);
  });
  it('treats null and empty values as no listeners', () => {
    expect(parseListeners(null).endpoints).toEqual([]);
    expect(parseListeners('').endpoints).toEqual([]);
  });
});

describe('host:port helpers', () => {
  it('round-trips IPv4, names and bracketed IPv6', () => {
    for (const [host, port] of [
      ['127.0.0.1', 9092],
      ['b2.example.com', 9094],
      ['::1', 19092],
    ] as const) {
      expect(parseHostPort(formatHostPort(host, port))).toEqual({ host, port });
    }
  });
  it('rejects values without a valid port', () => {
    expect(parseHostPort('example.com')).toBeNull();
    expect(parseHostPort('example.com:0')).toBeNull();
    expect(parseHostPort('example.com:70000')).toBeNull();
  });
});
