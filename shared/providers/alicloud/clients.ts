import * as ecsNamespace from '@alicloud/ecs20140526';
import * as openApiNamespace from '@alicloud/openapi-core';
import { commonJs } from './commonjs.ts';

const ecsModule = commonJs(ecsNamespace);
const openApiModule = commonJs(openApiNamespace);
const EcsClient = ecsModule.default;
const OpenApiClient = openApiModule.default;
const { $OpenApiUtil, OpenApiUtil } = openApiModule;
export type EcsClient = InstanceType<typeof EcsClient>;

/*
 * The Alibaba Cloud clients brokerlink uses, created once (module scope of a Function Compute handler, or once per
 * CLI run) and injected into the adapters:
 *  - ECS: the generated `@alicloud/ecs20140526` client (discovery, security-group rules, Cloud Assistant);
 *  - NLB 2022-04-30, PrivateLink 2020-04-15, KMS 2016-01-20, CloudFlow 2019-03-15: no generated package is on the
 *    registry here for the first two (and the CloudFlow one is the old pop-core line), so they go through the same
 *    OpenAPI core the ECS client is built on (`@alicloud/openapi-core`, the successor of `@alicloud/openapi-client`
 *    from the same darabonba-openapi repository): `callApi` with RPC-style Params, signed with ACS3-HMAC-SHA256.
 *    Each product carries its parameters the way its own generated SDKs do — NLB in a form body, PrivateLink, KMS
 *    and CloudFlow in the query string — because their gateways expect that.
 */

export type RpcValue =
  | string
  | number
  | boolean
  | undefined
  | readonly RpcValue[]
  | { readonly [key: string]: RpcValue };
export type RpcRequest = Readonly<Record<string, RpcValue>>;

export interface RpcProduct {
  /** The product's API version, e.g. 2022-04-30. */
  readonly version: string;
  call(action: string, request: RpcRequest): Promise<Record<string, unknown>>;
}

export interface AlicloudClients {
  ecs: EcsClient;
  nlb: RpcProduct;
  privateLink: RpcProduct;
  kms: RpcProduct;
  cloudFlow: RpcProduct;
}

export interface AlicloudClientOptions {
  region: string;
  /** Static credentials (tests against the fake); default: the credentials chain (FC's role, env, profile). */
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** One `host:port` for every product (the local fake); default: each product's regional endpoint. */
  endpoint?: string;
  protocol?: 'http' | 'https';
  /** Per call (ms). */
  readTimeout?: number;
}

const PRODUCTS = {
  nlb: { version: '2022-04-30', host: (region: string) => `nlb.${region}.aliyuncs.com`, carries: 'body' },
  privateLink: {
    version: '2020-04-15',
    host: (region: string) => `privatelink.${region}.aliyuncs.com`,
    carries: 'query',
  },
  kms: { version: '2016-01-20', host: (region: string) => `kms.${region}.aliyuncs.com`, carries: 'query' },
  cloudFlow: { version: '2019-03-15', host: (region: string) => `${region}.fnf.aliyuncs.com`, carries: 'query' },
} as const;

function config(options: AlicloudClientOptions, endpoint: string) {
  return new $OpenApiUtil.Config({
    regionId: options.region,
    endpoint,
    protocol: options.protocol ?? 'https',
    readTimeout: options.readTimeout ?? 10_000,
    connectTimeout: 5_000,
    ...(options.credentials === undefined
      ? {}
      : {
          accessKeyId: options.credentials.accessKeyId,
          accessKeySecret: options.credentials.accessKeySecret,
          ...(options.credentials.securityToken === undefined
            ? {}
            : { securityToken: options.credentials.securityToken }),
        }),
  });
}

function rpcProduct(options: AlicloudClientOptions, product: keyof typeof PRODUCTS): RpcProduct {
  const spec = PRODUCTS[product];
  const client = new OpenApiClient(config(options, options.endpoint ?? spec.host(options.region)));
  return {
    version: spec.version,
    async call(action, request) {
      const flat = OpenApiUtil.query(request as Record<string, unknown>) as Record<string, string>;
      const openApiRequest = new $OpenApiUtil.OpenApiRequest(
        spec.carries === 'body' ? { body: flat } : { query: flat },
      );
      const params = new $OpenApiUtil.Params({
        action,
        version: spec.version,
        protocol: options.protocol ?? 'https',
        pathname: '/',
        method: 'POST',
        authType: 'AK',
        style: 'RPC',
        reqBodyType: 'formData',
        bodyType: 'json',
      });
      const answer = (await client.callApi(params, openApiRequest, {} as never)) as { body?: Record<string, unknown> };
      return answer.body ?? {};
    },
  };
}

export function createAlicloudClients(options: AlicloudClientOptions): AlicloudClients {
  return {
    ecs: new EcsClient(config(options, options.endpoint ?? `ecs.${options.region}.aliyuncs.com`)),
    nlb: rpcProduct(options, 'nlb'),
    privateLink: rpcProduct(options, 'privateLink'),
    kms: rpcProduct(options, 'kms'),
    cloudFlow: rpcProduct(options, 'cloudFlow'),
  };
}
