/**
 * Byte fixtures computed by hand from apache/kafka's message JSON schemas (field order, versions,
 * nullableVersions, flexibleVersions) and checked against our encoders/decoders.
 */
import { describe, expect, it } from 'vitest';
import { Reader, Writer } from './codec.ts';
import {
  decodeDescribeConfigsRequest,
  decodeMetadataRequest,
  decodeRequestHeader,
  encodeApiVersionsResponse,
  encodeDescribeClusterResponse,
  encodeDescribeConfigsResponse,
  encodeMetadataResponse,
  FrameSplitter,
  frameRequest,
  frameResponse,
  isFlexible,
  responseHeaderVersion,
} from './protocol.ts';

/** "00 01 ab" → bytes; 's:text' inserts utf8 text. */
function hex(spec: string): Buffer {
  const parts = spec.trim().split(/\s+/);
  return Buffer.concat(
    parts.map((p) => (p.startsWith('s:') ? Buffer.from(p.slice(2), 'utf8') : Buffer.from(p, 'hex'))),
  );
}

describe('codec primitives', () => {
  it('encodes unsigned and zig-zag varints like Kafka ByteUtils', () => {
    expect(new Writer().uvarint(0).toBuffer()).toEqual(hex('00'));
    expect(new Writer().uvarint(300).toBuffer()).toEqual(hex('ac 02'));
    expect(new Writer().varint(-1).toBuffer()).toEqual(hex('01'));
    expect(new Writer().varint(1).toBuffer()).toEqual(hex('02'));
    expect(new Writer().varint(-64).toBuffer()).toEqual(hex('7f'));
    expect(new Reader(hex('ac 02')).uvarint()).toBe(300);
    expect(new Reader(hex('ff ff ff ff 0f')).uvarint()).toBe(0xffffffff);
    expect(new Reader(hex('7f')).varint()).toBe(-64);
  });

  it('writes classic strings with int16 length and compact strings with length+1', () => {
    expect(new Writer().string('ab', false).toBuffer()).toEqual(hex('00 02 s:ab'));
    expect(new Writer().string('ab', true).toBuffer()).toEqual(hex('03 s:ab'));
    expect(new Writer().nullableString(null, false).toBuffer()).toEqual(hex('ff ff'));
    expect(new Writer().nullableString(null, true).toBuffer()).toEqual(hex('00'));
    expect(new Writer().nullableArray(null, false, () => {}).toBuffer()).toEqual(hex('ff ff ff ff'));
    expect(new Writer().array([1], true, (w, n) => w.int32(n)).toBuffer()).toEqual(hex('02 00 00 00 01'));
  });

  it('rejects truncated input instead of reading garbage', () => {
    expect(() => new Reader(hex('00 05 s:ab')).string(false)).toThrow(/truncated/);
    expect(() => new Reader(hex('00 00 7f ff')).array(false, (r) => r.int32())).toThrow(/exceeds/);
  });
});

describe('headers', () => {
  it('knows flexible versions from each schema', () => {
    expect(isFlexible(18, 2)).toBe(false);
    expect(isFlexible(18, 3)).toBe(true);
    expect(isFlexible(3, 8)).toBe(false);
    expect(isFlexible(3, 9)).toBe(true);
    expect(isFlexible(32, 3)).toBe(false);
    expect(isFlexible(32, 4)).toBe(true);
    expect(isFlexible(60, 0)).toBe(true);
    expect(isFlexible(55, 0)).toBe(true);
    expect(isFlexible(17, 1)).toBe(false);
    expect(isFlexible(36, 1)).toBe(false);
    expect(isFlexible(36, 2)).toBe(true);
  });

  it('uses response header v0 for ApiVersions even when the body is flexible', () => {
    expect(responseHeaderVersion(18, 3)).toBe(0);
    expect(responseHeaderVersion(3, 9)).toBe(1);
    expect(responseHeaderVersion(3, 8)).toBe(0);
    expect(frameResponse(7, 0, hex('aa'))).toEqual(hex('00 00 00 05 00 00 00 07 aa'));
    expect(frameResponse(7, 1, hex('aa'))).toEqual(hex('00 00 00 06 00 00 00 07 00 aa'));
  });

  it('reads request header v1 (non-flexible) and v2 (flexible, tagged fields after a classic client id)', () => {
    const v1 = decodeRequestHeader(new Reader(hex('00 03 00 01 00 00 00 05 00 01 s:c')));
    expect(v1).toEqual({ apiKey: 3, apiVersion: 1, correlationId: 5, clientId: 'c', known: true });
    const r = new Reader(hex('00 03 00 09 00 00 00 05 00 01 s:c 00 99'));
    expect(decodeRequestHeader(r)).toEqual({ apiKey: 3, apiVersion: 9, correlationId: 5, clientId: 'c', known: true });
    expect(r.int8()).toBe(-103); // body starts right after the tagged-field count
    const nullClient = decodeRequestHeader(new Reader(hex('00 12 00 00 00 00 00 01 ff ff')));
    expect(nullClient.clientId).toBeNull();
    expect(decodeRequestHeader(new Reader(hex('03 e7 00 00 00 00 00 01'))).known).toBe(false);
    expect(frameRequest({ apiKey: 3, apiVersion: 9, correlationId: 5, clientId: 'c' }, hex('01'))).toEqual(
      hex('00 00 00 0d 00 03 00 09 00 00 00 05 00 01 s:c 00 01'),
    );
  });

  it('splits a byte stream into frames across arbitrary chunk boundaries', () => {
    const s = new FrameSplitter();
    const stream = hex('00 00 00 02 aa bb 00 00 00 01 cc');
    const frames = [...s.push(stream.subarray(0, 3)), ...s.push(stream.subarray(3, 7)), ...s.push(stream.subarray(7))];
    expect(frames).toEqual([hex('aa bb'), hex('cc')]);
    expect(() => new FrameSplitter(10).push(hex('00 00 00 ff'))).toThrow(/frame size/);
  });
});

describe('ApiVersions', () => {
  const keys = [{ apiKey: 18, minVersion: 0, maxVersion: 3 }];
  it('v0: int16 error, int32-counted array, no throttle', () => {
    expect(encodeApiVersionsResponse(0, { errorCode: 35, apiKeys: keys, throttleTimeMs: 0 })).toEqual(
      hex('00 23 00 00 00 01 00 12 00 00 00 03'),
    );
  });
  it('v3: compact array with per-entry tagged fields, throttle, trailing tagged fields', () => {
    expect(encodeApiVersionsResponse(3, { errorCode: 0, apiKeys: keys, throttleTimeMs: 0 })).toEqual(
      hex('00 00 02 00 12 00 00 00 03 00 00 00 00 00 00'),
    );
  });
});

describe('Metadata', () => {
  it('decodes v1 (classic, nullable topic array) and v9 (compact, tagged)', () => {
    expect(decodeMetadataRequest(new Reader(hex('00 00 00 01 00 06 s:orders')), 1)).toEqual({
      topics: [{ topicId: null, name: 'orders' }],
      allowAutoTopicCreation: true,
    });
    expect(decodeMetadataRequest(new Reader(hex('ff ff ff ff')), 1).topics).toBeNull();
    expect(decodeMetadataRequest(new Reader(hex('00 00 00 00')), 0).topics).toBeNull(); // v0: empty = all
    expect(decodeMetadataRequest(new Reader(hex('02 07 s:orders 00 00 00 00 00')), 9)).toEqual({
      topics: [{ topicId: null, name: 'orders' }],
      allowAutoTopicCreation: false,
    });
    // v12: topic id (16 bytes) then nullable compact name; v11+ has no IncludeClusterAuthorizedOperations
    expect(decodeMetadataRequest(new Reader(hex(`02 ${'ab'.repeat(16)} 00 00 01 00 00`)), 12)).toEqual({
      topics: [{ topicId: 'ab'.repeat(16), name: null }],
      allowAutoTopicCreation: true,
    });
    expect(decodeMetadataRequest(new Reader(hex('00 00 00 00')), 12).topics).toBeNull();
  });

  it('encodes brokers/topics with v1 and v9 layouts', () => {
    const res = {
      brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }],
      clusterId: 'c',
      controllerId: 1,
      topics: [],
    };
    expect(encodeMetadataResponse(1, res)).toEqual(
      hex('00 00 00 01 00 00 00 01 00 01 s:h 00 00 23 84 ff ff 00 00 00 01 00 00 00 00'),
    );
    expect(encodeMetadataResponse(9, res)).toEqual(
      hex('00 00 00 00 02 00 00 00 01 02 s:h 00 00 23 84 00 00 02 s:c 00 00 00 01 01 80 00 00 00 00'),
    );
  });
});

describe('DescribeConfigs', () => {
  const entry = {
    name: 'a',
    value: 'b',
    readOnly: true,
    isDefault: false,
    configSource: 4,
    isSensitive: false,
    synonyms: [],
    configType: 2,
    documentation: null,
  };
  const result = { errorCode: 0, errorMessage: null, resourceType: 4, resourceName: '2', configs: [entry] };
  const head = '00 00 00 00 00 00 00 01 00 00 ff ff 04 00 01 s:2 00 00 00 01';
  it('v0 has IsDefault and no ConfigSource/synonyms', () => {
    expect(encodeDescribeConfigsResponse(0, [result])).toEqual(hex(`${head} 00 01 s:a 00 01 s:b 01 00 00`));
  });
  it('v1 has ConfigSource and synonyms instead of IsDefault', () => {
    expect(encodeDescribeConfigsResponse(1, [result])).toEqual(hex(`${head} 00 01 s:a 00 01 s:b 01 04 00 00 00 00 00`));
  });
  it('v3 adds ConfigType and Documentation', () => {
    expect(encodeDescribeConfigsResponse(3, [result])).toEqual(
      hex(`${head} 00 01 s:a 00 01 s:b 01 04 00 00 00 00 00 02 ff ff`),
    );
  });
  it('v4 is flexible: compact everything and tagged fields at each level', () => {
    expect(
      encodeDescribeConfigsResponse(4, [{ ...result, errorCode: 42, errorMessage: 'x', configs: [entry] }]),
    ).toEqual(hex('00 00 00 00 02 00 2a 02 s:x 04 02 s:2 02 02 s:a 02 s:b 01 04 00 01 02 00 00 00 00'));
  });
  it('decodes a v4 request with null configuration keys', () => {
    expect(decodeDescribeConfigsRequest(new Reader(hex('02 04 02 s:1 00 00 00 00 00')), 4)).toEqual({
      resources: [{ resourceType: 4, resourceName: '1', configurationKeys: null }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(decodeDescribeConfigsRequest(new Reader(hex('00 00 00 01 04 00 01 s:1 00 00 00 01 00 01 s:k')), 0)).toEqual({
      resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['k'] }],
      includeSynonyms: false,
      includeDocumentation: false,
    });
  });
});

describe('DescribeCluster', () => {
  it('v1 adds EndpointType after ErrorMessage; both versions are flexible', () => {
    const res = { errorCode: 0, errorMessage: null, endpointType: 1, clusterId: 'c', controllerId: 2, brokers: [] };
    expect(encodeDescribeClusterResponse(0, res)).toEqual(
      hex('00 00 00 00 00 00 00 02 s:c 00 00 00 02 01 80 00 00 00 00'),
    );
    expect(encodeDescribeClusterResponse(1, res)).toEqual(
      hex('00 00 00 00 00 00 00 01 02 s:c 00 00 00 02 01 80 00 00 00 00'),
    );
  });
});
