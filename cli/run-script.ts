import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs one of the project's long-running programs (test broker, local LB) in the foreground with this Node,
 * passing signals through, and resolves with its exit code. Arguments go as argv, never through a shell.
 */
export function runScript(relativeToRepo: string, argv: string[], as: string): Promise<number> {
  const script = fileURLToPath(new URL(`../${relativeToRepo}`, import.meta.url));
  // `as`: the name its usage and messages give it ("brokerlink local-lb"), not the script file's.
  const child = spawn(process.execPath, [script, ...argv], {
    stdio: 'inherit',
    env: { ...process.env, BROKERLINK_COMMAND: as },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => {
    const handler = forward(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const [name, handler] of handlers) process.off(name, handler);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}
