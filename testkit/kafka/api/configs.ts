/** DescribeConfigs of the test broker: BROKER (its own server.properties, identity rules as ConfigHelper) and TOPIC. */

import type { TopicState } from '../cluster.ts';
import type { Reader } from '../codec.ts';
import {
  type ConfigEntry,
  ConfigSources,
  ConfigTypes,
  type DescribeConfigsResult,
  decodeDescribeConfigsRequest,
  ErrorCodes,
  encodeDescribeConfigsResponse,
  ResourceTypes,
} from '../protocol.ts';
import type { BrokerView } from './context.ts';

export function describeConfigs(broker: BrokerView, r: Reader, v: number): Buffer {
  const req = decodeDescribeConfigsRequest(r, v);
  const results: DescribeConfigsResult[] = req.resources.map((res) => {
    const base = { resourceType: res.resourceType, resourceName: res.resourceName };
    const fail = (errorCode: number, errorMessage: string): DescribeConfigsResult => ({
      ...base,
      errorCode,
      errorMessage,
      configs: [],
    });
    let entries: ConfigEntry[];
    if (res.resourceType === ResourceTypes.BROKER) {
      const self = String(broker.props.nodeId);
      if (res.resourceName === '') {
        // Like Kafka (ConfigHelper): resource "" is the cluster-wide dynamic defaults, not this broker's configs.
        // The test broker has no dynamic configs, so the answer is empty (and carries no node.id).
        return { ...base, errorCode: ErrorCodes.NONE, errorMessage: null, configs: [] };
      }
      {
        const n = Number(res.resourceName);
        if (!/^-?\d+$/.test(res.resourceName.trim()) || !Number.isInteger(n)) {
          return fail(ErrorCodes.INVALID_REQUEST, `Broker id must be an integer, but it is: ${res.resourceName}`);
        }
        if (n !== broker.props.nodeId) {
          return fail(
            ErrorCodes.INVALID_REQUEST,
            `Unexpected broker id, expected ${self} or empty string, but received ${res.resourceName}`,
          );
        }
      }
      entries = brokerConfigs(broker, req.includeSynonyms);
    } else if (res.resourceType === ResourceTypes.TOPIC) {
      const topic = broker.cluster.topic(res.resourceName);
      if (!topic) return fail(ErrorCodes.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${res.resourceName} does not exist.`);
      entries = topicConfigs(broker, topic, req.includeSynonyms);
    } else {
      return fail(ErrorCodes.INVALID_REQUEST, `Unsupported resource type ${res.resourceType} in this test broker`);
    }
    if (res.configurationKeys !== null) {
      const keys = new Set(res.configurationKeys);
      entries = entries.filter((e) => keys.has(e.name));
    }
    return { ...base, errorCode: ErrorCodes.NONE, errorMessage: null, configs: entries };
  });
  return encodeDescribeConfigsResponse(v, results);
}

function brokerConfigs(broker: BrokerView, includeSynonyms: boolean): ConfigEntry[] {
  const raw = broker.props.raw;
  const out = new Map<string, ConfigEntry>();
  const entry = (name: string, value: string | null, source: number, type: number): ConfigEntry => {
    const sensitive = /password|sasl\.jaas\.config|\.secret/i.test(name);
    return {
      name,
      value: sensitive ? null : value,
      readOnly: true,
      isDefault: source === ConfigSources.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: sensitive,
      synonyms: includeSynonyms ? [{ name, value: sensitive ? null : value, source }] : [],
      configType: sensitive ? ConfigTypes.PASSWORD : type,
      documentation: null,
    };
  };
  for (const [k, value] of raw) out.set(k, entry(k, value, ConfigSources.STATIC_BROKER_CONFIG, ConfigTypes.STRING));
  const id = String(broker.props.nodeId);
  const defaults: [string, string | null, number][] = [
    ['node.id', id, ConfigTypes.INT],
    ['broker.id', id, ConfigTypes.INT],
    ['listeners', 'PLAINTEXT://:9092', ConfigTypes.STRING],
    ['advertised.listeners', null, ConfigTypes.STRING],
    [
      'listener.security.protocol.map',
      'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
      ConfigTypes.STRING,
    ],
    ['min.insync.replicas', '1', ConfigTypes.INT],
    ['auto.create.topics.enable', 'true', ConfigTypes.BOOLEAN],
    ['num.partitions', '1', ConfigTypes.INT],
    ['default.replication.factor', '1', ConfigTypes.INT],
  ];
  for (const [k, value, type] of defaults) {
    const existing = out.get(k);
    if (existing) existing.configType = type;
    // broker.id/node.id mirror each other in KRaft, as KafkaConfig does.
    else if (k === 'node.id' || k === 'broker.id')
      out.set(k, entry(k, value, ConfigSources.STATIC_BROKER_CONFIG, type));
    else out.set(k, entry(k, value, ConfigSources.DEFAULT_CONFIG, type));
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function topicConfigs(broker: BrokerView, topic: TopicState, includeSynonyms: boolean): ConfigEntry[] {
  const override = topic.minInsyncReplicas;
  const brokerValue = broker.props.raw.get('min.insync.replicas');
  const source =
    override !== null
      ? ConfigSources.TOPIC_CONFIG
      : brokerValue !== undefined
        ? ConfigSources.STATIC_BROKER_CONFIG
        : ConfigSources.DEFAULT_CONFIG;
  const value = String(override ?? broker.cluster.effectiveMinInsyncReplicas(topic));
  const synonyms: ConfigEntry['synonyms'] = [];
  if (includeSynonyms) {
    if (override !== null)
      synonyms.push({ name: 'min.insync.replicas', value: String(override), source: ConfigSources.TOPIC_CONFIG });
    if (brokerValue !== undefined)
      synonyms.push({ name: 'min.insync.replicas', value: brokerValue, source: ConfigSources.STATIC_BROKER_CONFIG });
    synonyms.push({ name: 'min.insync.replicas', value: '1', source: ConfigSources.DEFAULT_CONFIG });
  }
  const plain = (name: string, v: string, type: number): ConfigEntry => ({
    name,
    value: v,
    readOnly: false,
    isDefault: true,
    configSource: ConfigSources.DEFAULT_CONFIG,
    isSensitive: false,
    synonyms: includeSynonyms ? [{ name, value: v, source: ConfigSources.DEFAULT_CONFIG }] : [],
    configType: type,
    documentation: null,
  });
  return [
    plain('cleanup.policy', 'delete', ConfigTypes.LIST),
    {
      name: 'min.insync.replicas',
      value,
      readOnly: false,
      isDefault: source === ConfigSources.DEFAULT_CONFIG,
      configSource: source,
      isSensitive: false,
      synonyms,
      configType: ConfigTypes.INT,
      documentation: null,
    },
    plain('retention.ms', '604800000', ConfigTypes.LONG),
  ];
}
