import type { Bucket } from '@google-cloud/storage';
import type { SpecStore } from '../../ports.ts';
import { GcpSpecNotStored } from './errors.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';

/*
 * SpecStore on Cloud Storage: `specs/<cluster>.yaml` in the state bucket. Writing it (brokerlink push-spec,
 * `gcloud storage cp`) finalizes a new generation, which is the spec-change event the Eventarc trigger delivers
 * (google.cloud.storage.object.v1.finalized). Saving does not validate: callers validate first and change
 * nothing on a bad spec.
 */

export const SPEC_PREFIX = 'specs/';

export function specObjectName(cluster: string): string {
  return `${SPEC_PREFIX}${cluster}.yaml`;
}

/** The cluster a spec object belongs to, or null for any other object of the bucket. */
export function clusterOfSpecObject(name: string): string | null {
  const match = /^specs\/([a-z0-9](?:[a-z0-9-]{0,22}[a-z0-9])?)\.yaml$/.exec(name);
  return match ? match[1]! : null;
}

export class GcsSpecStore implements SpecStore {
  readonly #bucket: Bucket;

  constructor(options: { bucket: Bucket }) {
    this.#bucket = options.bucket;
  }

  async load(cluster: string): Promise<string> {
    const name = specObjectName(cluster);
    return gcpCall('storage.objects.get', async () => {
      try {
        const [content] = await this.#bucket.file(name).download();
        return content.toString('utf8');
      } catch (error) {
        if (httpStatusOf(error) === 404)
          throw new GcpSpecNotStored(`no spec stored at gs://${this.#bucket.name}/${name}`, { cause: error });
        throw error;
      }
    });
  }

  async save(cluster: string, text: string): Promise<void> {
    await gcpCall('storage.objects.insert', () =>
      this.#bucket.file(specObjectName(cluster)).save(text, { resumable: false, contentType: 'application/yaml' }),
    );
  }
}
