/**
 * What every API family of the test broker (api/*.ts) sees of the broker that received a request: the shared
 * cluster model, the server.properties it started with, and the listener and connection the request came in on.
 */
import type net from 'node:net';
import type { TestCluster } from '../cluster.ts';
import type { BrokerProperties, SecurityProtocol } from '../properties.ts';
import type { SaslServer } from '../sasl.ts';

export interface ListenerRuntime {
  name: string;
  protocol: SecurityProtocol;
  isController: boolean;
  server: net.Server;
  port: number;
}

export interface ConnState {
  listener: ListenerRuntime;
  sasl: 'none' | 'handshake' | 'authenticate' | 'authenticated';
  saslServer: SaslServer | null;
  close: boolean;
}

export interface BrokerView {
  readonly cluster: TestCluster;
  readonly props: BrokerProperties;
}
