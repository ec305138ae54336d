import { createHash } from 'node:crypto';
import type { Bucket } from '@google-cloud/storage';
import type { ExecutionsClient } from '@google-cloud/workflows';
import type { WorkflowName } from '../../flow/contract.ts';
import type { InstanceDirectory, StartedExecution, StoredSpecs, WorkflowStarter } from '../../triggers/ports.ts';
import type { GcpClients } from './clients.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';
import { clusterOfSpecObject, SPEC_PREFIX, specObjectName } from './spec-store.ts';

/*
 * The trigger ports on Google Cloud.
 *  - WorkflowsStarter: Cloud Workflows executions have no caller-chosen name, so the name is kept as a label
 *    (`brokerlink-run`: a hash of the name, labels being lowercase and ≤ 63 characters) and looked up first; a
 *    redelivered event finds its execution and starts nothing. (Two deliveries racing within the same moment
 *    could both miss; executions of one cluster then meet at the cluster lock, which admits one.)
 *  - ComputeInstanceDirectory: an instance's labels (`zone/name` ids, as discovery reports them).
 *  - GcsStoredSpecs: specs/<cluster>.yaml in the state bucket; the version is the object's generation.
 */

export const RUN_LABEL = 'brokerlink-run';

export function runLabel(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 40);
}

export class WorkflowsStarter implements WorkflowStarter {
  readonly #client: ExecutionsClient;
  readonly #location: string;
  readonly #project: string;

  constructor(options: { client: ExecutionsClient; project: string; location: string }) {
    this.#client = options.client;
    this.#project = options.project;
    this.#location = options.location;
  }

  async start(
    workflow: WorkflowName,
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<StartedExecution> {
    const parent = `projects/${this.#project}/locations/${this.#location}/workflows/brokerlink-${workflow}`;
    const label = runLabel(name);
    const [existing] = await gcpCall('workflowexecutions.executions.list', () =>
      this.#client.listExecutions({ parent, filter: `labels.${RUN_LABEL}="${label}"` }, { autoPaginate: false }),
    );
    const found = existing[0]?.name;
    if (found) return { executionId: found, alreadyStarted: true };
    const [created] = await gcpCall('workflowexecutions.executions.create', () =>
      this.#client.createExecution({
        parent,
        execution: { argument: JSON.stringify(input), labels: { [RUN_LABEL]: label } },
      }),
    );
    return { executionId: created.name ?? '', alreadyStarted: false };
  }
}

export class ComputeInstanceDirectory implements InstanceDirectory {
  readonly #clients: Pick<GcpClients, 'instances'>;
  readonly #project: string;

  constructor(options: { clients: Pick<GcpClients, 'instances'>; project: string }) {
    this.#clients = options.clients;
    this.#project = options.project;
  }

  async tagsOf(instanceId: string): Promise<Readonly<Record<string, string>> | undefined> {
    const [zone, instance] = instanceId.split('/');
    if (!zone || !instance) return undefined;
    return gcpCall('compute.instances.get', async () => {
      try {
        const [found] = await this.#clients.instances.get({ project: this.#project, zone, instance });
        return { ...(found.labels ?? {}) };
      } catch (error) {
        if (httpStatusOf(error) === 404) return undefined;
        throw error;
      }
    });
  }
}

export class GcsStoredSpecs implements StoredSpecs {
  readonly locationNoun = 'object';
  readonly #bucket: Bucket;

  constructor(options: { bucket: Bucket }) {
    this.#bucket = options.bucket;
  }

  clusterAt(location: string): string | undefined {
    return clusterOfSpecObject(location) ?? undefined;
  }

  async read(cluster: string): Promise<{ text: string; version: string }> {
    return gcpCall('storage.objects.get', async () => {
      const file = this.#bucket.file(specObjectName(cluster));
      const [metadata] = await file.getMetadata();
      const [content] = await this.#bucket
        .file(specObjectName(cluster), { generation: Number(metadata.generation) })
        .download();
      return { text: content.toString('utf8'), version: String(metadata.generation) };
    });
  }

  async clusters(): Promise<string[]> {
    return gcpCall('storage.objects.list', async () => {
      const [files] = await this.#bucket.getFiles({ prefix: SPEC_PREFIX, autoPaginate: true });
      return files.map((f) => clusterOfSpecObject(f.name)).filter((c): c is string => c !== null);
    });
  }
}
