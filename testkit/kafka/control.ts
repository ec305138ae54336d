/**
 * A test broker's restart control port, the stand-in for "systemctl restart kafka" on a real host: test brokers of
 * one cluster share a process (they share one cluster model), so a signal cannot say which one to restart. Each
 * broker listens on a loopback port written to `<properties>.control`; `restart-testbroker.sh` sends "restart",
 * the broker stops at once, answers, and starts again (re-reading server.properties) after the restart delay.
 */
import { rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import type { TestBroker } from './broker.ts';

export interface RestartControl {
  readonly port: number;
  /** Restarts requested so far. */
  readonly restarts: number;
  close(): Promise<void>;
}

export interface RestartControlOptions {
  broker: TestBroker;
  propertiesPath: string;
  /** How long the broker stays down (a slow JVM restart). */
  restartDelayMs?: number;
  /** Starts the broker again; default `broker.start()`. Errors are reported through `onStartError`. */
  start?: () => Promise<void>;
  onStartError?: (error: Error) => void;
}

export const RESTART_SCRIPT_URL = new URL('./restart-testbroker.sh', import.meta.url);

export async function startRestartControl(options: RestartControlOptions): Promise<RestartControl> {
  const { broker } = options;
  const start = options.start ?? (() => broker.start());
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;
  let restarts = 0;
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (!buffer.includes('\n')) return;
      const line = buffer.slice(0, buffer.indexOf('\n')).trim();
      if (line !== 'restart' || closed) {
        socket.end(`${JSON.stringify({ result: 'refused', reason: closed ? 'closing' : 'unknown request' })}\n`);
        return;
      }
      restarts += 1;
      broker.stop().then(
        () => {
          socket.end(`${JSON.stringify({ result: 'restarting', nodeId: broker.nodeId })}\n`);
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!closed) start().catch((error: Error) => options.onStartError?.(error));
          }, options.restartDelayMs ?? 0);
          timers.add(timer);
        },
        (error: Error) => socket.end(`${JSON.stringify({ result: 'error', message: error.message })}\n`),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const controlFile = `${options.propertiesPath}.control`;
  await writeFile(controlFile, `${port}\n`);
  return {
    port,
    get restarts() {
      return restarts;
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(controlFile, { force: true });
    },
  };
}
