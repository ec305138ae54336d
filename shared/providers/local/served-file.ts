/**
 * `<stateFile>.served.json`: what a running local load balancer daemon serves (written after every reload). It lets
 * an applier in another process wait until its change is live, and lets operators see failed ports.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const servedSchema = z.strictObject({
  pid: z.number().int(),
  host: z.string(),
  /** Ledger version being served; -1 before the first load. */
  version: z.number().int().min(-1),
  ports: z.array(z.number().int()),
  failedPorts: z.array(z.strictObject({ port: z.number().int(), error: z.string() })),
  servedAt: z.string(),
});

export type ServedState = z.output<typeof servedSchema>;

export function servedFileOf(stateFile: string): string {
  return `${stateFile}.served.json`;
}

export async function writeServedFile(stateFile: string, served: ServedState): Promise<void> {
  const file = servedFileOf(stateFile);
  const temp = `${file}.tmp-${process.pid}-${randomUUID()}`;
  await writeFile(temp, `${JSON.stringify(served)}\n`, { flag: 'wx' });
  await rename(temp, file);
}

/** The daemon's last report, or undefined when no daemon is running (or it wrote nothing readable). */
export async function readServedFile(stateFile: string): Promise<ServedState | undefined> {
  try {
    const parsed = servedSchema.safeParse(JSON.parse(await readFile(servedFileOf(stateFile), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
