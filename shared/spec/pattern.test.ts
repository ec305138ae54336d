import { describe, expect, it } from 'vitest';
import { dnsNameProblem, formatBrokerId, patternProblems, placeholdersIn, renderPattern } from './pattern.ts';

describe('renderPattern', () => {
  it('fills <broker_id>, <port> and declared placeholders', () => {
    expect(
      renderPattern('<broker_id>.<zone>.example.com:<port>', { broker_id: 'b7', port: '9099', zone: 'usw2-az1' }),
    ).toEqual({
      kind: 'rendered',
      host: 'b7.usw2-az1.example.com',
      port: 9099,
      address: 'b7.usw2-az1.example.com:9099',
    });
  });

  it('is pending, listing the missing names, when a placeholder is null or absent', () => {
    expect(
      renderPattern('<broker_id>.<unique_name>.<region>:<port>', { broker_id: 'b1', port: '1', unique_name: null }),
    ).toEqual({
      kind: 'pending',
      missing: ['unique_name', 'region'],
    });
  });
});

describe('formatBrokerId', () => {
  it('puts the node id where {id} is', () => {
    expect(formatBrokerId('b{id}', 2147483647)).toBe('b2147483647');
    expect(formatBrokerId('kafka-{id}-x', 0)).toBe('kafka-0-x');
  });
});

describe('placeholdersIn', () => {
  it('lists each placeholder once, in order of appearance', () => {
    expect(placeholdersIn('<a>.<broker_id>.<a>:<port>')).toEqual(['a', 'broker_id', 'port']);
  });
});

describe('dnsNameProblem', () => {
  it('accepts a valid name and names the offending label otherwise', () => {
    expect(dnsNameProblem('b1.usw2-az1.abc.us-west-2.aws.3199015.tidbcloud.com')).toBeUndefined();
    expect(dnsNameProblem('')).toBe('the host name is empty');
    expect(dnsNameProblem('a..b')).toContain('the label "" is not a valid DNS label');
    expect(dnsNameProblem('-a.b')).toContain('the label "-a" is not a valid DNS label');
    expect(dnsNameProblem(`${'x'.repeat(63)}.com`)).toBeUndefined();
    expect(dnsNameProblem(`${'x'.repeat(64)}.com`)).toContain('is 64 characters long; at most 63 are allowed');
  });

  it('allows 253 characters and rejects 254', () => {
    const name = (length: number) => {
      const labels: string[] = [];
      let remaining = length;
      while (remaining > 0) {
        const size = Math.min(63, remaining);
        labels.push('a'.repeat(size));
        remaining -= size + 1;
      }
      return labels.join('.');
    };
    expect(name(253)).toHaveLength(253);
    expect(dnsNameProblem(name(253))).toBeUndefined();
    expect(dnsNameProblem(`${name(253)}a`)).toBe('the host name is 254 characters long; at most 253 are allowed');
  });
});

describe('patternProblems', () => {
  it('returns every problem of one pattern at once', () => {
    expect(patternProblems('<zone>.example.com:9092', {})).toEqual([
      'must contain <broker_id> so every broker gets its own name',
      'must end with ":<port>" so every broker advertises its own load-balancer port',
      "uses <zone>, which is not declared: add it to this exposure's placeholders (null while not known yet), or fix the spelling",
    ]);
  });
});
