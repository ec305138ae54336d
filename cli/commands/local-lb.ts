import { ScriptExited } from '../errors.ts';
import type { Output } from '../io.ts';
import { runScript } from '../run-script.ts';

/** The local provider's load balancer, in the foreground (like a cloud LB, it keeps serving after `apply`). */
export async function localLbCommand(argv: string[], _io: Output): Promise<void> {
  const code = await runScript('shared/providers/local/lb-main.ts', argv, 'brokerlink local-lb');
  if (code !== 0) throw new ScriptExited(code, 'local load balancer');
}
