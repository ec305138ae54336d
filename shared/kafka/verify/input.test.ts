import { describe, expect, it } from 'vitest';
import { VerificationInputInvalid } from './errors.ts';
import { parseVerificationInput } from './input.ts';

const exposure = (bootstrapPorts: number[], brokers: { id: number; port: number }[]) => ({
  lbHost: '10.0.0.5',
  exposures: [
    {
      listener: 'EXTERNAL',
      bootstrapPorts,
      brokers: brokers.map((b) => ({ ...b, advertised: `b${b.id}.example.com:${b.port}` })),
    },
  ],
});

describe('verification input', () => {
  it('lets consumers bootstrap from broker ports where there is no fan-out port (GCP port mapping)', () => {
    const input = parseVerificationInput(
      exposure(
        [9093, 9094, 9095],
        [
          { id: 1, port: 9093 },
          { id: 2, port: 9094 },
          { id: 3, port: 9095 },
        ],
      ),
    );
    expect(input.exposures[0]!.bootstrapPorts).toEqual([9093, 9094, 9095]);
  });

  it('refuses two brokers on one port and a bootstrap port listed twice, naming each', () => {
    const error = (() => {
      try {
        parseVerificationInput(
          exposure(
            [9092, 9092],
            [
              { id: 1, port: 9093 },
              { id: 2, port: 9093 },
            ],
          ),
        );
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(VerificationInputInvalid);
    expect((error as Error).message).toContain('exposures[0].bootstrapPorts[1]: port 9092 appears twice');
    expect((error as Error).message).toContain('exposures[0].brokers[1].port: port 9093 is already used by broker 1');
  });
});
