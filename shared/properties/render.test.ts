import { describe, expect, it } from 'vitest';
import { parseProperties, propertiesToMap } from './document.ts';
import { ExposureInvalid, ListenerConflict } from './errors.ts';
import { applyListenerExposures, readListenerConfig } from './listeners.ts';
import { renderNewClusterProperties } from './render.ts';

const voters = [
  { id: 1, host: '10.0.0.11', port: 29092 },
  { id: 2, host: '10.0.0.12', port: 29092 },
  { id: 3, host: '10.0.0.13', port: 29092 },
];
const external = {
  name: 'EXTERNAL',
  bindHost: '0.0.0.0',
  bindPort: 39092,
  advertisedHost: 'b1.abc.us-west1.gcp.3199745.tidbcloud.com',
  advertisedPort: 9093,
  securityProtocol: 'PLAINTEXT' as const,
};

describe('renderNewClusterProperties', () => {
  it('writes the same settings as the seeds for a combined broker+controller node', () => {
    const text = renderNewClusterProperties({
      nodeId: 1,
      controllerQuorumVoters: voters,
      internal: { advertisedHost: '10.0.0.11' },
      logDirs: './data',
      exposures: [external],
    });
    const props = Object.fromEntries(propertiesToMap(parseProperties(text)));
    // Values of the seed (gcp-private-service-connect-kafka.md, broker-node1); the map lists the same entries.
    expect(props).toEqual({
      'process.roles': 'broker,controller',
      'node.id': '1',
      'controller.quorum.voters': '1@10.0.0.11:29092,2@10.0.0.12:29092,3@10.0.0.13:29092',
      listeners: 'INTERNAL://0.0.0.0:9092,CONTROLLER://0.0.0.0:29092,EXTERNAL://0.0.0.0:39092',
      'inter.broker.listener.name': 'INTERNAL',
      'advertised.listeners': 'INTERNAL://10.0.0.11:9092,EXTERNAL://b1.abc.us-west1.gcp.3199745.tidbcloud.com:9093',
      'controller.listener.names': 'CONTROLLER',
      'listener.security.protocol.map':
        'INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,EXTERNAL:PLAINTEXT',
      'log.dirs': './data',
    });
    expect(applyListenerExposures(text, [external]).changed).toBe(false);
  });

  it('leaves the CONTROLLER listener out of a broker-only node but keeps its protocol mapping', () => {
    const text = renderNewClusterProperties({
      nodeId: 4,
      processRoles: ['broker'],
      controllerQuorumBootstrapServers: [{ host: 'fd00::1', port: 29092 }],
      internal: { advertisedHost: '10.0.0.14' },
      logDirs: '/var/lib/kafka/data',
      exposures: [{ ...external, advertisedPort: 9096 }],
      extra: { 'num.partitions': '3' },
    });
    const config = readListenerConfig(text);
    expect(config.listeners.endpoints.map((e) => e.name)).toEqual(['INTERNAL', 'EXTERNAL']);
    expect(config.securityProtocolMap.entries['CONTROLLER']).toBe('PLAINTEXT');
    const props = propertiesToMap(parseProperties(text));
    expect(props.get('controller.quorum.bootstrap.servers')).toBe('[fd00::1]:29092');
    expect(props.get('num.partitions')).toBe('3');
  });

  it('rejects an exposure that collides with INTERNAL or CONTROLLER', () => {
    const base = {
      nodeId: 1,
      controllerQuorumVoters: voters,
      internal: { advertisedHost: '10.0.0.11' },
      logDirs: './d',
    };
    expect(() => renderNewClusterProperties({ ...base, exposures: [{ ...external, bindPort: 9092 }] })).toThrowError(
      ListenerConflict,
    );
    expect(() => renderNewClusterProperties({ ...base, exposures: [{ ...external, name: 'INTERNAL' }] })).toThrowError(
      ListenerConflict,
    );
  });

  it('requires exactly one way to find the quorum', () => {
    expect(() =>
      renderNewClusterProperties({ nodeId: 1, internal: { advertisedHost: '10.0.0.11' }, logDirs: './d' }),
    ).toThrowError(ExposureInvalid);
  });
});
