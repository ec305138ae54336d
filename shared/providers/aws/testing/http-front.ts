/*
 * FAKE (test support): the stateful fake AWS of ./fake-aws.ts served over HTTP, as AWS's own wire protocols, so
 * code that creates its own SDK clients — a packaged Lambda bundle in a child process, with the SDK the runtime
 * provides — talks to the fake exactly as it would to AWS: `AWS_ENDPOINT_URL=http://127.0.0.1:<port>`.
 *
 * What it does per request: reads the signing service from the SigV4 `Authorization` scope (the signature itself is
 * not checked), the operation from `Action` (EC2 / ELBv2 / SNS: the ec2Query and awsQuery protocols) or
 * `X-Amz-Target` (SSM, Secrets Manager, Step Functions: awsJson1_x), decodes the input with the SDK's own operation
 * schemas (`<Operation>$`, exported by each client package: the same traits the SDK's serializers use, read in
 * reverse), hands it to the service (for the fake's four services, the fake's mocked client: recording, injected
 * faults and `afterNext` hooks apply as for in-process callers), and encodes the output or the error the way the
 * SDK's deserializers read it (XML with the schema's `xmlName`s / `ErrorResponse`, or JSON with `__type`).
 *
 * Binds 127.0.0.1 on a free port only.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ec2 from '@aws-sdk/client-ec2';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import * as secretsManager from '@aws-sdk/client-secrets-manager';
import * as ssm from '@aws-sdk/client-ssm';
import { JsonCodec2 } from '@smithy/core/protocols';
import { NormalizedSchema } from '@smithy/core/schema';
import type { FakeAws } from './fake-aws.ts';

export type WireProtocol = 'ec2Query' | 'awsQuery' | 'awsJson1_0' | 'awsJson1_1';

export interface HttpService {
  /** The SDK client package: `<Operation>$` schemas, `<Name>Exception$` error schemas. */
  module: Record<string, unknown>;
  protocol: WireProtocol;
  /** XML namespace of query responses. */
  xmlNamespace?: string;
  send(operation: string, input: Record<string, unknown>): Promise<unknown>;
}

export interface HttpFront {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL is set to. */
  endpoint: string;
  /** Requests served so far, by `<signing name>:<operation>`. */
  requests: string[];
  close(): Promise<void>;
}

type SdkClient = { send(command: unknown): Promise<unknown> };

/**
 * The fake's four services, answered by its mocked SDK clients. `fake` may be a getter, for a front that outlives
 * one fake (it then answers for whichever fake the getter returns at each request).
 */
export function fakeAwsServices(fake: FakeAws | (() => FakeAws)): Record<string, HttpService> {
  const current = typeof fake === 'function' ? fake : () => fake;
  const viaClient =
    (client: (aws: FakeAws) => SdkClient, module: Record<string, unknown>) =>
    (operation: string, input: Record<string, unknown>) => {
      const Command = module[`${operation}Command`] as (new (input: unknown) => unknown) | undefined;
      if (Command === undefined) throw new Error(`fake AWS over HTTP: no SDK command ${operation}`);
      return client(current()).send(new Command(input));
    };
  return {
    ec2: {
      module: ec2,
      protocol: 'ec2Query',
      xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
      send: viaClient((aws) => aws.clients.ec2, ec2),
    },
    elasticloadbalancing: {
      module: elbv2,
      protocol: 'awsQuery',
      xmlNamespace: 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/',
      send: viaClient((aws) => aws.clients.elbv2, elbv2),
    },
    ssm: { module: ssm, protocol: 'awsJson1_1', send: viaClient((aws) => aws.clients.ssm, ssm) },
    secretsmanager: {
      module: secretsManager,
      protocol: 'awsJson1_1',
      send: viaClient((aws) => aws.clients.secretsManager, secretsManager),
    },
  };
}

export async function serveOverHttp(services: Record<string, HttpService>): Promise<HttpFront> {
  const requests: string[] = [];
  let counter = 0;
  const server = createServer((request, response) => {
    counter += 1;
    handle(services, request, response, `fake-${counter}`, requests).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`fake AWS over HTTP: ${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(
  services: Record<string, HttpService>,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  requests: string[],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString('utf8');
  const signingName = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
  const service = signingName === undefined ? undefined : services[signingName];
  if (service === undefined) {
    response.writeHead(400, { 'content-type': 'text/plain' });
    response.end(`fake AWS over HTTP: no service for signing name ${signingName ?? '(unsigned request)'}`);
    return;
  }
  const json = service.protocol.startsWith('awsJson');
  const form = json ? undefined : new URLSearchParams(body);
  const target = request.headers['x-amz-target'];
  const operation = json ? String(target ?? '').split('.')[1] : form!.get('Action');
  const schema = operation === undefined || operation === null ? undefined : service.module[`${operation}$`];
  if (!Array.isArray(schema)) {
    respondError(service, response, requestId, 'InvalidAction', `unknown operation ${String(operation)}`, 400);
    return;
  }
  const op = operation as string;
  requests.push(`${signingName}:${op}`);
  const [inputSchema, outputSchema] = [schema[4], schema[5]];
  const input = json
    ? await jsonCodec()
        .createDeserializer()
        .read(inputSchema, body === '' ? '{}' : body)
    : (readQuery(NormalizedSchema.of(inputSchema), form!, '', service.protocol === 'ec2Query') ?? {});
  let output: unknown;
  try {
    output = await service.send(op, input as Record<string, unknown>);
  } catch (error) {
    const { code, status } = wireError(service, error as Error & { $fault?: string });
    respondError(service, response, requestId, code, (error as Error).message, status);
    return;
  }
  const { $metadata: _ignored, ...data } = (output ?? {}) as Record<string, unknown>;
  if (json) {
    const serializer = jsonCodec().createSerializer();
    serializer.write(outputSchema, data);
    const bytes = serializer.flush();
    response.writeHead(200, {
      'content-type': `application/x-amz-json-${service.protocol === 'awsJson1_0' ? '1.0' : '1.1'}`,
      'x-amzn-requestid': requestId,
    });
    response.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return;
  }
  const inner = writeMembers(NormalizedSchema.of(outputSchema), data);
  const xml =
    service.protocol === 'ec2Query'
      ? `<${op}Response xmlns="${service.xmlNamespace}"><requestId>${requestId}</requestId>${inner}</${op}Response>`
      : `<${op}Response xmlns="${service.xmlNamespace}"><${op}Result>${inner}</${op}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
  response.writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function jsonCodec(): JsonCodec2 {
  return new JsonCodec2({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false });
}

/** The AWS error code on the wire for an SDK exception (ELBv2's modeled ones differ: `awsQueryError`). */
function wireError(service: HttpService, error: Error & { $fault?: string }): { code: string; status: number } {
  const schema = service.module[`${error.name}$`];
  const traits = (Array.isArray(schema) ? schema[3] : {}) as { awsQueryError?: [string, number]; httpError?: number };
  const fallback = error.$fault === 'server' ? 500 : 400;
  if (traits.awsQueryError !== undefined) return { code: traits.awsQueryError[0], status: traits.awsQueryError[1] };
  return { code: error.name, status: traits.httpError ?? fallback };
}

function respondError(
  service: HttpService,
  response: ServerResponse,
  requestId: string,
  code: string,
  message: string,
  status: number,
): void {
  if (service.protocol.startsWith('awsJson')) {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId });
    response.end(JSON.stringify({ __type: code, message }));
    return;
  }
  const xml =
    service.protocol === 'ec2Query'
      ? `<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
      : `<ErrorResponse xmlns="${service.xmlNamespace}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
  response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

// ---------------------------------------------------------------- query protocols: form → input (schema-guided)

/** The key of a member, as the SDK's QueryShapeSerializer.getKey computes it. */
function queryKey(memberName: string, schema: NormalizedSchema, ec2Rules: boolean, struct: boolean): string {
  const traits = schema.getMergedTraits() as { xmlName?: string; ec2QueryName?: string };
  if (ec2Rules && traits.ec2QueryName !== undefined) return traits.ec2QueryName;
  const key = traits.xmlName ?? memberName;
  return ec2Rules && struct ? key[0]!.toUpperCase() + key.slice(1) : key;
}

function hasPrefix(form: URLSearchParams, key: string): boolean {
  for (const name of form.keys()) if (name === key || name.startsWith(`${key}.`)) return true;
  return false;
}

const join = (prefix: string, key: string) => (prefix === '' ? key : `${prefix}.${key}`);

function readQuery(schema: NormalizedSchema, form: URLSearchParams, prefix: string, ec2Rules: boolean): unknown {
  if (schema.isStructSchema()) {
    if (prefix !== '' && !hasPrefix(form, prefix)) return undefined;
    const value: Record<string, unknown> = {};
    for (const [name, member] of schema.structIterator()) {
      const read = readQuery(member, form, join(prefix, queryKey(name, member, ec2Rules, true)), ec2Rules);
      if (read !== undefined) value[name] = read;
    }
    return value;
  }
  if (schema.isListSchema()) {
    if (form.get(prefix) === '') return [];
    const member = schema.getValueSchema();
    const flat = ec2Rules || (schema.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened === true;
    const items: unknown[] = [];
    for (let index = 1; ; index += 1) {
      const key = flat
        ? join(prefix, String(index))
        : join(prefix, `${queryKey('member', member, ec2Rules, false)}.${index}`);
      if (!hasPrefix(form, key)) break;
      items.push(readQuery(member, form, key, ec2Rules));
    }
    return items.length > 0 ? items : undefined;
  }
  if (schema.isMapSchema()) {
    const flat = (schema.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened === true;
    const keySchema = schema.getKeySchema();
    const valueSchema = schema.getValueSchema();
    const map: Record<string, unknown> = {};
    for (let index = 1; ; index += 1) {
      const entry = flat ? join(prefix, String(index)) : join(prefix, `entry.${index}`);
      if (!hasPrefix(form, entry)) break;
      const key = readQuery(keySchema, form, join(entry, queryKey('key', keySchema, ec2Rules, false)), ec2Rules);
      map[String(key)] = readQuery(
        valueSchema,
        form,
        join(entry, queryKey('value', valueSchema, ec2Rules, false)),
        ec2Rules,
      );
    }
    return Object.keys(map).length > 0 ? map : undefined;
  }
  const raw = form.get(prefix);
  if (raw === null) return undefined;
  if (schema.isBooleanSchema()) return raw === 'true';
  if (schema.isNumericSchema()) return Number(raw);
  if (schema.isTimestampSchema()) return /^\d+(\.\d+)?$/.test(raw) ? new Date(Number(raw) * 1000) : new Date(raw);
  if (schema.isBlobSchema()) return Buffer.from(raw, 'base64');
  return raw;
}

// ---------------------------------------------------------------- query protocols: output → XML (schema-guided)

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The members of a structure as XML elements, named as the SDK's XmlShapeDeserializer looks them up. */
function writeMembers(schema: NormalizedSchema, value: Record<string, unknown>): string {
  let xml = '';
  for (const [name, member] of schema.structIterator()) {
    const item = value[name];
    if (item === undefined || item === null) continue;
    const element = (member.getMemberTraits() as { xmlName?: string }).xmlName ?? name;
    const flat = member.isListSchema() && (member.getMergedTraits() as { xmlFlattened?: boolean }).xmlFlattened;
    if (flat) {
      for (const entry of item as unknown[]) xml += writeValue(member.getValueSchema(), entry, element);
    } else {
      xml += writeValue(member, item, element);
    }
  }
  return xml;
}

function writeValue(schema: NormalizedSchema, value: unknown, element: string): string {
  const open = `<${element}>`;
  const close = `</${element}>`;
  if (schema.isStructSchema()) return open + writeMembers(schema, value as Record<string, unknown>) + close;
  if (schema.isListSchema()) {
    const member = schema.getValueSchema();
    const itemName = (member.getMergedTraits() as { xmlName?: string }).xmlName ?? 'member';
    return open + (value as unknown[]).map((item) => writeValue(member, item, itemName)).join('') + close;
  }
  if (schema.isMapSchema()) {
    const keyName = (schema.getKeySchema().getMergedTraits() as { xmlName?: string }).xmlName ?? 'key';
    const valueName = (schema.getValueSchema().getMergedTraits() as { xmlName?: string }).xmlName ?? 'value';
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([key, item]) =>
        `<entry><${keyName}>${escapeXml(key)}</${keyName}>${writeValue(schema.getValueSchema(), item, valueName)}</entry>`,
    );
    return open + entries.join('') + close;
  }
  if (schema.isTimestampSchema()) return open + (value instanceof Date ? value.toISOString() : String(value)) + close;
  if (schema.isBlobSchema()) {
    const bytes = typeof value === 'string' ? Buffer.from(value) : Buffer.from(value as Uint8Array);
    return open + bytes.toString('base64') + close;
  }
  return open + escapeXml(String(value)) + close;
}
