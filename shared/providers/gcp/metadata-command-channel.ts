import { randomBytes, randomUUID } from 'node:crypto';
import type { BrokerCommand, CommandChannel, CommandHandle, CommandStatus, CommandTarget } from '../../ports.ts';
import type { GcpClients } from './clients.ts';
import { GcpCommandTargetInvalid, GuestAttributesRateLimited, MetadataChangedConcurrently } from './errors.ts';
import { gcpCall, httpStatusOf } from './gcp-call.ts';
import { COMMAND_KEY, encodeCommand, GUEST_NAMESPACE, readReply } from './metadata-command.ts';

/*
 * CommandChannel over instance metadata and guest attributes (GCE has no run-command API). start() writes the
 * typed command (metadata-command.ts) to the instance's `brokerlink-command` key with `setMetadata`, carrying the
 * fingerprint it just read (412 when someone else changed metadata in between: read again, up to 3 times), and
 * returns without waiting for the zone operation. poll() reads the operation (a failed write is a failed
 * command), then the agent's reply with one getGuestAttributes(queryPath `brokerlink/`). Guest attributes may be
 * read at most 10 times a minute per VM: the workflow polls every ≥ 6 s, and a 429 becomes
 * GuestAttributesRateLimited ('wait').
 */

interface HandleState {
  zone: string;
  instance: string;
  commandId: string;
  operation: string;
}

const INSTANCE_ID = /^([a-z]+-[a-z]+\d-[a-z])\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)$/;

export class MetadataCommandChannel implements CommandChannel {
  readonly #clients: Pick<GcpClients, 'instances' | 'zoneOperations'>;
  readonly #project: string;

  constructor(options: { clients: Pick<GcpClients, 'instances' | 'zoneOperations'>; project: string }) {
    this.#clients = options.clients;
    this.#project = options.project;
  }

  async start(target: CommandTarget, command: BrokerCommand): Promise<CommandHandle> {
    const match = INSTANCE_ID.exec(target.instanceId ?? '');
    if (!match) {
      throw new GcpCommandTargetInvalid(
        `broker ${target.brokerId} (${target.host}) has no "zone/instance" id (${target.instanceId ?? 'none'}); the metadata channel needs one`,
      );
    }
    const [, zone, instance] = match as unknown as [string, string, string];
    const commandId = `bl-${randomBytes(8).toString('hex')}`;
    const value = encodeCommand(commandId, command); // validates every value before anything is sent
    for (let attempt = 1; ; attempt++) {
      const [current] = await gcpCall('compute.instances.get', () =>
        this.#clients.instances.get({ project: this.#project, zone, instance }),
      );
      const items = (current.metadata?.items ?? []).filter((item) => item.key !== COMMAND_KEY);
      try {
        const [operation] = await gcpCall('compute.instances.setMetadata', async () => {
          try {
            return await this.#clients.instances.setMetadata({
              project: this.#project,
              zone,
              instance,
              requestId: randomUUID(),
              metadataResource: {
                fingerprint: current.metadata?.fingerprint ?? '',
                items: [...items, { key: COMMAND_KEY, value }],
              },
            });
          } catch (error) {
            if (httpStatusOf(error) === 412)
              throw new MetadataChangedConcurrently(
                `metadata of ${zone}/${instance} changed while brokerlink wrote its command`,
                { cause: error },
              );
            throw error;
          }
        });
        const state: HandleState = {
          zone,
          instance,
          commandId,
          operation: (operation.latestResponse as { name: string }).name,
        };
        return { id: JSON.stringify(state), target };
      } catch (error) {
        if (!(error instanceof MetadataChangedConcurrently) || attempt >= 3) throw error;
      }
    }
  }

  async poll(handle: CommandHandle): Promise<CommandStatus> {
    const state = JSON.parse(handle.id) as HandleState;
    const [operation] = await gcpCall('compute.zoneOperations.get', () =>
      this.#clients.zoneOperations.get({ project: this.#project, zone: state.zone, operation: state.operation }),
    );
    if (operation.status !== 'DONE') return { state: 'running' };
    const failure = operation.error?.errors?.[0];
    if (failure) {
      return {
        state: 'failed',
        exitCode: null,
        stdout: '',
        stderr: `setMetadata failed: ${failure.code ?? ''} ${failure.message ?? ''}`.trim(),
      };
    }
    const items = await gcpCall('compute.instances.getGuestAttributes', async () => {
      try {
        const [answer] = await this.#clients.instances.getGuestAttributes({
          project: this.#project,
          zone: state.zone,
          instance: state.instance,
          queryPath: `${GUEST_NAMESPACE}/`,
        });
        return (answer.queryValue?.items ?? []).map((item) => ({ key: item.key ?? '', value: item.value ?? '' }));
      } catch (error) {
        const status = httpStatusOf(error);
        if (status === 404) return null; // nothing written in the namespace yet
        if (status === 429)
          throw new GuestAttributesRateLimited(
            `guest attributes of ${state.zone}/${state.instance} were read too often (≤ 10 a minute)`,
            { cause: error },
          );
        throw error;
      }
    });
    return readReply(state.commandId, items);
  }
}
