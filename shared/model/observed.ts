import type { RackTopology } from '../kafka/safety/batches.ts';
import type { SecurityProtocol } from '../spec/schema.ts';

/*
 * What brokerlink observes, provider-neutral. Each cloud adapter translates its own resources into these
 * shapes (AWS: target groups + listeners + tags; Alibaba: server groups + listeners + tags; GCP: PSC NEG
 * endpoints; local: the local LB's state file). A mapping is a port ledger entry (shared/ports.ts `PortLedger`:
 * which port belongs to which broker, kept wherever the provider keeps it) joined with what the load balancer
 * forwards that port to (shared/ledger/join.ts), so the port a broker owns is read back from the cloud and nothing
 * is lost if brokerlink's own storage is.
 */

export interface DiscoveredBroker {
  /** Kafka node id (`node.id` / `broker.id`). */
  id: number;
  /** Private address the load balancer forwards to. */
  host: string;
  instanceId?: string;
  /** Zone name (us-west-2a) and zone id (usw2-az1); patterns are keyed by id where the cloud has one. */
  az?: string;
  azId?: string;
  state?: 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated' | 'unknown';
  /**
   * Whether the run-command channel can reach the host now (AWS: its SSM agent is registered and Online). False:
   * commands would be refused (InvalidInstanceId) or never delivered. Absent: the provider does not say.
   */
  commandReady?: boolean;
  /**
   * Whether its server.properties exists (the enrolment probe's read, shared/steps/enrolment-probe.ts), for a new
   * broker whose agent just came online. False: the host is still being set up; enrolled once the file is there.
   * Absent: not probed (a broker already mapped, or one whose provider does not report `commandReady`).
   */
  configPresent?: boolean;
}

export type TargetHealth = 'healthy' | 'unhealthy' | 'initial' | 'draining' | 'unused' | 'unknown';

export interface ObservedTarget {
  /** Instance id where the LB registers instances, otherwise the host. */
  id: string;
  port: number;
  health?: TargetHealth;
}

/** One consumer-side port on the load balancer and where it goes. */
export interface ObservedMapping {
  /** Listener name of the exposure this mapping belongs to (from the port ledger). */
  exposure: string;
  role: 'broker' | 'bootstrap';
  /** Consumer-side (LB) port. */
  port: number;
  /** For role `broker`: the node id this port belongs to (from the port ledger). */
  brokerId?: number;
  targets: ObservedTarget[];
  /** ISO time at which the broker was removed; the port is in cool-down until `retiredAt + cooldown`. */
  retiredAt?: string;
  /** Provider resource ids (target group ARN, listener ARN, ...), opaque to the domain. */
  resourceIds?: Readonly<Record<string, string>>;
}

export interface ObservedLoadBalancer {
  mappings: ObservedMapping[];
  /** Consumer-side ports currently open to the consumer CIDRs (security group / firewall). */
  openPorts: number[];
  /**
   * Zones the load balancer serves (AWS: the NLB's subnets' zones, by id and by name), when it routes per zone.
   * A broker in another zone cannot be reached by consumers: the planner refuses it. Absent: no such limit.
   */
  zones?: string[];
}

/** A listener as a broker has it: bind address, advertised address and security protocol. */
export interface ListenerView {
  bind?: { host: string; port: number };
  advertised?: { host: string; port: number };
  securityProtocol?: SecurityProtocol | string;
}

/** Listener config of one broker: `file` from server.properties, `running` from DescribeConfigs. */
export interface ObservedBrokerConfig {
  file?: Readonly<Record<string, ListenerView>>;
  running?: Readonly<Record<string, ListenerView>>;
}

export interface ObservedState {
  /** The planner's notion of "now" (cool-downs); taken from here so plans are reproducible. */
  observedAt: string;
  brokers: DiscoveredBroker[];
  loadBalancer: ObservedLoadBalancer;
  /** Keyed by node id as a string. A missing entry means "not known": the push step reads the file anyway. */
  brokerConfigs?: Readonly<Record<string, ObservedBrokerConfig>>;
  /**
   * From Kafka, when reachable: the active controller and node roles, for restart ordering; with
   * `rollout.batch: rack`, the rack topology the batches are planned from (racks, brokers refused alone now, the
   * constraints that bind inside a rack — a summary of the partition map, not the map).
   */
  kafka?: {
    controllerId?: number | null;
    nodeRoles?: Readonly<Record<string, readonly ('broker' | 'controller')[]>>;
    topology?: RackTopology;
    /** The brokers Kafka's metadata lists as live: a discovered broker missing here is down, not misconfigured. */
    liveBrokers?: readonly number[];
  };
}
