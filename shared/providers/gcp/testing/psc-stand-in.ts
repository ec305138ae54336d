/*
 * FAKE (test support): a local stand-in for what Private Service Connect with a port-mapping NEG does on the
 * consumer side — a TCP connection to the service's address on client port P reaches exactly the VM:port of the
 * NEG endpoint whose clientDestinationPort is P, and nothing when no endpoint maps P. It follows the fake
 * Compute state: after every operation that took effect it re-reads the NEG's endpoints, opens a listener per
 * client port and closes the ones no endpoint maps any more. The VMs' addresses (10.x) are not reachable here, so
 * `resolve` maps an instance's nic0 address and VM port to the loopback address where its test broker listens.
 * Binds `host` (127.0.2.0/24) only.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { FakeComputeState } from './fake-compute.ts';

export interface StandInOptions {
  state: FakeComputeState;
  neg: string;
  host: string;
  resolve: (vm: { instance: string; networkIP: string; port: number }) => { host: string; port: number };
}

export class PscPortMappingStandIn {
  readonly #options: StandInOptions;
  readonly #listeners = new Map<number, { server: Server; key: string }>();
  readonly #sockets = new Set<Socket>();
  readonly #sync = () => void this.sync();
  #closed = false;
  #syncing: Promise<void> = Promise.resolve();

  constructor(options: StandInOptions) {
    if (!/^127\.0\.2\.\d{1,3}$/.test(options.host))
      throw new Error('the PSC stand-in binds an address of 127.0.2.0/24');
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#options.state.changeListeners.add(this.#sync);
    await this.sync();
  }

  /** Client ports currently served. */
  ports(): number[] {
    return [...this.#listeners.keys()].sort((a, b) => a - b);
  }

  sync(): Promise<void> {
    this.#syncing = this.#syncing.then(() => this.#apply());
    return this.#syncing;
  }

  async #apply(): Promise<void> {
    if (this.#closed) return;
    const { state, neg } = this.#options;
    const wanted = new Map<number, { instance: string; port: number }>();
    for (const endpoint of state.negs.get(neg)?.endpoints ?? []) wanted.set(endpoint.clientDestinationPort, endpoint);
    for (const [port, listener] of this.#listeners) {
      const endpoint = wanted.get(port);
      if (!endpoint || `${endpoint.instance}:${endpoint.port}` !== listener.key) {
        this.#listeners.delete(port);
        await new Promise<void>((resolve) => listener.server.close(() => resolve()));
      }
    }
    for (const [port, endpoint] of wanted) {
      if (this.#listeners.has(port)) continue;
      const server = createServer((client) => this.#forward(client, endpoint));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.#options.host, () => resolve());
      });
      this.#listeners.set(port, { server, key: `${endpoint.instance}:${endpoint.port}` });
    }
  }

  #forward(client: Socket, endpoint: { instance: string; port: number }): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    const instance = this.#options.state.findInstance(endpoint.instance);
    if (!instance) {
      client.destroy();
      return;
    }
    const target = this.#options.resolve({
      instance: instance.name,
      networkIP: instance.networkInterfaces[0]!.networkIP,
      port: endpoint.port,
    });
    const upstream = connect(target.port, target.host);
    this.#sockets.add(upstream);
    upstream.on('close', () => this.#sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  }

  async stop(): Promise<void> {
    this.#closed = true;
    this.#options.state.changeListeners.delete(this.#sync);
    await this.#syncing;
    for (const socket of this.#sockets) socket.destroy();
    await Promise.all(
      [...this.#listeners.values()].map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve()))),
    );
    this.#listeners.clear();
  }
}
