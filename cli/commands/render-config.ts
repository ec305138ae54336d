import { MAX_CONTENT_BASE64 } from '../../shared/broker-writer/protocol.ts';
import { plan } from '../../shared/plan/planner.ts';
import { brokerIdSource } from '../../shared/plan/preflight.ts';
import { identityMismatch } from '../../shared/properties/identity.ts';
import { applyListenerExposures, formatEndpoint } from '../../shared/properties/listeners.ts';
import { renderNewClusterProperties } from '../../shared/properties/render.ts';
import { BrokerIdentityMismatch } from '../../shared/steps/errors.ts';
import { parseCommandArgs, parseIntegerFlag } from '../args.ts';
import { ProblemFound, UsageError } from '../errors.ts';
import { loadSpecFile, type Output, readBoundedFile, writeRaw } from '../io.ts';
import { observe } from './plan.ts';

/** The largest file the push can write (base64 in one command argument). */
const MAX_PROPERTIES_BYTES = (MAX_CONTENT_BASE64 / 4) * 3;

/**
 * Prints the listener lines a broker needs (listeners, advertised.listeners, listener.security.protocol.map
 * entries for the exposures), or with --new-cluster a complete KRaft server.properties for that node.
 */
export async function renderConfigCommand(argv: string[], io: Output): Promise<void> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      broker: { type: 'string' },
      observed: { type: 'string' },
      'new-cluster': { type: 'boolean' },
      file: { type: 'string' },
      'log-dirs': { type: 'string' },
      'internal-port': { type: 'string' },
      'controller-port': { type: 'string' },
    },
    ['spec'],
  );
  const brokerId = parseIntegerFlag('broker', values.broker);
  if (brokerId === undefined) throw new UsageError('--broker <id> is required');
  const { spec, text } = await loadSpecFile(positionals[0]!, io);
  const planned = plan(spec, await observe(spec, text, values.observed));
  const broker = planned.brokers.find((candidate) => candidate.id === brokerId);
  if (broker === undefined) {
    throw new UsageError(
      `broker ${brokerId} is not in the plan (brokers: ${planned.brokers.map((b) => b.id).join(', ') || 'none'})`,
    );
  }
  if (broker.configChange === 'pending') {
    io.err(`note: ${planned.pending.map((item) => item.message).join('; ')}`);
  }

  if (values.file !== undefined && values['new-cluster'])
    throw new UsageError('--file and --new-cluster exclude each other');
  if (values.file !== undefined) {
    // Read as the apply path reads a broker's file: its bytes as latin1 (as Kafka's Properties.load does), so what
    // is printed is the file byte for byte but for the listener keys, whatever its encoding and line endings.
    const bytes = await readBoundedFile(values.file, 'server.properties', MAX_PROPERTIES_BYTES);
    if (bytes.length > MAX_PROPERTIES_BYTES) {
      throw new UsageError(
        `${values.file} is larger than ${MAX_PROPERTIES_BYTES} bytes, more than brokerlink writes to a broker`,
      );
    }
    const text = Buffer.from(bytes).toString('latin1');
    const mismatch = identityMismatch(text, broker.id);
    if (mismatch !== undefined) {
      const error = new BrokerIdentityMismatch({
        brokerId: broker.id,
        host: broker.host,
        ...(broker.instanceId === undefined ? {} : { instanceId: broker.instanceId }),
        ...mismatch,
        fix: `${brokerIdSource(spec, broker)}, or pass the file of broker ${broker.id}`,
        consequence: `Not printing a config for it: ${values.file} is not broker ${broker.id}'s file.`,
      });
      io.err(`${error.name}: ${error.message}`);
      throw new ProblemFound('node id mismatch', { cause: error });
    }
    // The diff goes to stderr so stdout stays a valid file.
    const edit = applyListenerExposures(text, broker.desiredListeners, { fileName: values.file });
    if (edit.changed) io.err(edit.diff.trimEnd());
    else io.err(`${values.file} already has broker ${broker.id}'s listeners`);
    writeRaw(io, Buffer.from(edit.text, 'latin1'));
    return;
  }
  if (!values['new-cluster']) {
    io.out(
      [
        `# Broker ${broker.id}: add each entry to the comma-separated value of its key; other listeners stay as they are.`,
        ...broker.desiredListeners.flatMap((listener) => [
          `listeners                       ${formatEndpoint(listener.name, listener.bindHost, listener.bindPort)}`,
          `advertised.listeners            ${formatEndpoint(listener.name, listener.advertisedHost, listener.advertisedPort)}`,
          `listener.security.protocol.map  ${listener.name}:${listener.securityProtocol}`,
        ]),
      ].join('\n'),
    );
    return;
  }
  const internalPort = parseIntegerFlag('internal-port', values['internal-port']) ?? 9092;
  const controllerPort = parseIntegerFlag('controller-port', values['controller-port']) ?? 29092;
  io.out(
    renderNewClusterProperties({
      nodeId: broker.id,
      processRoles: ['broker', 'controller'],
      controllerQuorumVoters: planned.brokers.map((voter) => ({
        id: voter.id,
        host: voter.host,
        port: controllerPort,
      })),
      internal: { advertisedHost: broker.host, port: internalPort },
      controller: { port: controllerPort },
      logDirs: values['log-dirs'] ?? '/var/lib/kafka/data',
      exposures: broker.desiredListeners,
    }).trimEnd(),
  );
}
