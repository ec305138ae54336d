import compute from '@google-cloud/compute';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Storage } from '@google-cloud/storage';
import { ExecutionsClient } from '@google-cloud/workflows';
import { OAuth2Client } from 'google-auth-library';

/*
 * Creates the @google-cloud/compute v7 clients once (module scope of a Cloud Function, or once per CLI run) and
 * hands them to the adapters. The clients speak REST (HTTP/1 + JSON). In production they authenticate with the
 * function's service account (Application Default Credentials). For a local endpoint (tests, the bed) pass
 * `endpoint`: the client then talks plain HTTP to `host:port` with a fixed bearer token — `apiEndpoint` takes the
 * host alone, the port goes in `port` (`'host:port'` in apiEndpoint does not work).
 */

export interface GcpClients {
  instances: InstanceType<typeof compute.InstancesClient>;
  networkEndpointGroups: InstanceType<typeof compute.RegionNetworkEndpointGroupsClient>;
  backendServices: InstanceType<typeof compute.RegionBackendServicesClient>;
  forwardingRules: InstanceType<typeof compute.ForwardingRulesClient>;
  serviceAttachments: InstanceType<typeof compute.ServiceAttachmentsClient>;
  subnetworks: InstanceType<typeof compute.SubnetworksClient>;
  firewalls: InstanceType<typeof compute.FirewallsClient>;
  regionOperations: InstanceType<typeof compute.RegionOperationsClient>;
  zoneOperations: InstanceType<typeof compute.ZoneOperationsClient>;
  globalOperations: InstanceType<typeof compute.GlobalOperationsClient>;
}

export interface LocalEndpoint {
  host: string;
  port: number;
  /** Bearer token the local server expects. */
  token: string;
}

export interface GcpClientOptions {
  /** A local stand-in for compute.googleapis.com (tests only). */
  endpoint?: LocalEndpoint;
}

/** An auth client that always presents `token` and never refreshes (for local endpoints only). */
export function fixedTokenAuth(token: string): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: token, expiry_date: Date.now() + 24 * 3600_000 });
  return auth;
}

/** Constructor options for any google-cloud client pointed at a local endpoint (REST transport). */
export function localClientOptions(endpoint: LocalEndpoint) {
  return {
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    protocol: 'http',
    fallback: true,
    authClient: fixedTokenAuth(endpoint.token),
  } as const;
}

export function createGcpClients(options: GcpClientOptions = {}): GcpClients {
  // biome-ignore lint/suspicious/noExplicitAny: the generated constructors type their options loosely.
  const config: any = options.endpoint === undefined ? {} : localClientOptions(options.endpoint);
  return {
    instances: new compute.InstancesClient(config),
    networkEndpointGroups: new compute.RegionNetworkEndpointGroupsClient(config),
    backendServices: new compute.RegionBackendServicesClient(config),
    forwardingRules: new compute.ForwardingRulesClient(config),
    serviceAttachments: new compute.ServiceAttachmentsClient(config),
    subnetworks: new compute.SubnetworksClient(config),
    firewalls: new compute.FirewallsClient(config),
    regionOperations: new compute.RegionOperationsClient(config),
    zoneOperations: new compute.ZoneOperationsClient(config),
    globalOperations: new compute.GlobalOperationsClient(config),
  };
}

/** Closes every client's transport (tests; a function keeps its clients for its lifetime). */
export async function closeGcpClients(clients: GcpClients): Promise<void> {
  await Promise.all(Object.values(clients).map((client) => client.close()));
}

/**
 * Cloud Storage (lock, specs, ledger). Uploads are single-request (`resumable: false` at the call sites): the
 * objects are small and a precondition must hold for the whole write.
 */
export function createStorageClient(options: GcpClientOptions & { projectId?: string } = {}): Storage {
  const endpoint = options.endpoint;
  return new Storage({
    ...(options.projectId === undefined ? {} : { projectId: options.projectId }),
    ...(endpoint === undefined
      ? {}
      : {
          apiEndpoint: `http://${endpoint.host}:${endpoint.port}`,
          useAuthWithCustomEndpoint: true,
          // biome-ignore lint/suspicious/noExplicitAny: Storage types authClient as its own AuthClient union.
          authClient: fixedTokenAuth(endpoint.token) as any,
        }),
  });
}

export function createSecretManagerClient(options: GcpClientOptions = {}): SecretManagerServiceClient {
  // biome-ignore lint/suspicious/noExplicitAny: the generated constructor types its options loosely.
  const config: any = options.endpoint === undefined ? {} : localClientOptions(options.endpoint);
  return new SecretManagerServiceClient(config);
}

/** Workflow Executions (the trigger functions start executions with it). */
export function createExecutionsClient(options: GcpClientOptions = {}): ExecutionsClient {
  // biome-ignore lint/suspicious/noExplicitAny: the generated constructor types its options loosely.
  const config: any = options.endpoint === undefined ? {} : localClientOptions(options.endpoint);
  return new ExecutionsClient(config);
}
