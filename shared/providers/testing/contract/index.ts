/*
 * The port contract suites: one set of behaviour tests every adapter of a port must pass. An adapter's test file
 * calls each suite with a factory that builds a fresh subject (over the real cloud's fake, or the real thing), e.g.
 * shared/providers/local/contract.test.ts and shared/providers/aws/contract.test.ts. docs/adding-a-provider.md says
 * what a new cloud runs.
 */
export { type CommandChannelSubject, describeCommandChannelContract } from './command-channel.ts';
export { type BrokerDiscoverySubject, describeBrokerDiscoveryContract } from './discovery.ts';
export { describePortLedgerContract, type PortLedgerSubject } from './ledger.ts';
export { describeLoadBalancerContract, type LoadBalancerSubject } from './load-balancer.ts';
export { type ClusterLockSubject, describeClusterLockContract } from './lock.ts';
export { describeSpecStoreContract, type SpecStoreSubject } from './spec-store.ts';
