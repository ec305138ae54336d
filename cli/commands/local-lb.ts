import { ProblemFound } from '../errors.ts';
import type { Output } from '../io.ts';
import { runScript } from '../run-script.ts';

export const usage = 'brokerlink local-lb --state <file> [--host 127.0.0.1] [--poll-ms <n>]';

/** The local provider's load balancer, in the foreground (like a cloud LB, it keeps serving after `apply`). */
export async function localLbCommand(argv: string[], _io: Output): Promise<void> {
  const code = await runScript('shared/providers/local/lb-main.ts', argv);
  if (code !== 0) throw new ProblemFound(`local load balancer exited with ${code}`);
}
