/**
 * File-based `SpecStore`: one YAML/JSON text per cluster, `<dir>/<cluster>.yaml`, written atomically. The text is
 * stored as given (validation belongs to the caller, so a bad spec is reported before anything is saved).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpecStore } from '../../ports.ts';
import { clusterNameSchema } from '../../spec/schema.ts';
import { LocalProviderUnsupported, SpecNotFound } from './errors.ts';

function fileFor(dir: string, cluster: string): string {
  const parsed = clusterNameSchema.safeParse(cluster);
  if (!parsed.success) {
    throw new LocalProviderUnsupported(`cluster name ${JSON.stringify(cluster)} ${parsed.error.issues[0]?.message}`);
  }
  return join(dir, `${parsed.data}.yaml`);
}

export function createFileSpecStore(dir: string): SpecStore {
  return {
    async load(cluster: string): Promise<string> {
      const file = fileFor(dir, cluster);
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') throw new SpecNotFound(cluster, file, { cause: err });
        throw err;
      }
    },
    async save(cluster: string, text: string): Promise<void> {
      const file = fileFor(dir, cluster);
      await mkdir(dir, { recursive: true });
      const temp = `${file}.tmp-${process.pid}-${randomUUID()}`;
      await writeFile(temp, text, { flag: 'wx' });
      await rename(temp, file);
    },
  };
}
