import { BrokerlinkError } from '../../errors.ts';

/**
 * Errors of the AWS adapters. Each declares what the orchestrator does next (`disposition`, see shared/errors.ts):
 * `AwsThrottled` and `AwsServiceUnavailable` are retried with backoff, the others are fatal until a person (or a
 * new plan) changes something. The SDK error is always kept as `cause`.
 */

/** Base of every error raised by shared/providers/aws. */
export abstract class AwsAdapterError extends BrokerlinkError {}

/** AWS kept throttling after the SDK's own retries (adaptive retry mode). Retry the step later. */
export class AwsThrottled extends AwsAdapterError {
  static readonly disposition = 'retry';
  override readonly name = 'AwsThrottled';
  readonly operation: string;
  constructor(operation: string, options?: ErrorOptions) {
    super(`${operation} was throttled by AWS after the SDK's retries; retry later`, options);
    this.operation = operation;
  }
}

/** AWS answered with a server-side fault (5xx) after the SDK's retries. Retry the step later. */
export class AwsServiceUnavailable extends AwsAdapterError {
  static readonly disposition = 'retry';
  override readonly name = 'AwsServiceUnavailable';
  readonly operation: string;
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(`${operation} failed on the AWS side: ${detail}`, options);
    this.operation = operation;
  }
}

/** Any other AWS error (access denied, validation, quota ...). `code` is the AWS error code. */
export class AwsCallFailed extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'AwsCallFailed';
  readonly operation: string;
  readonly code: string;
  constructor(operation: string, code: string, detail: string, options?: ErrorOptions) {
    super(`${operation} failed (${code}): ${detail}`, options);
    this.operation = operation;
    this.code = code;
  }
}

/** The spec does not name the AWS provider (or lacks a field this adapter needs). */
export class AwsProviderNotConfigured extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'AwsProviderNotConfigured';
}

// ---------------------------------------------------------------- discovery

export interface InvalidBrokerInstance {
  instanceId: string;
  reason: string;
}

/** Instances matched the discovery tags but their node id tag (or private IP) is missing or not a node id. */
export class BrokerInstanceInvalid extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'BrokerInstanceInvalid';
  readonly instances: readonly InvalidBrokerInstance[];
  constructor(nodeIdTag: string, instances: readonly InvalidBrokerInstance[]) {
    super(
      `${instances.length} instance(s) matched the discovery tags but cannot be used as brokers (node id tag "${nodeIdTag}"): ` +
        instances.map((instance) => `${instance.instanceId} (${instance.reason})`).join(', '),
    );
    this.instances = instances;
  }
}

/** Two instances claim the same Kafka node id (e.g. two running instances tagged kafka-node-id=3). */
export class DuplicateBrokerNodeId extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'DuplicateBrokerNodeId';
  readonly nodeId: number;
  readonly instanceIds: readonly string[];
  constructor(nodeId: number, instanceIds: readonly string[], detail: string) {
    super(`node id ${nodeId} is claimed by ${instanceIds.join(', ')} (${detail}); fix the node id tags`);
    this.nodeId = nodeId;
    this.instanceIds = instanceIds;
  }
}

// ---------------------------------------------------------------- load balancer

/** A listener on the NLB port is not brokerlink's (it forwards to a target group without our ledger tags). */
export class ListenerPortTaken extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'ListenerPortTaken';
  readonly port: number;
  readonly listenerArn: string;
  constructor(port: number, listenerArn: string, detail: string) {
    super(
      `port ${port} on the load balancer is used by listener ${listenerArn}, which brokerlink does not own (${detail}); ` +
        'choose other ports in the spec or remove that listener',
    );
    this.port = port;
    this.listenerArn = listenerArn;
  }
}

/** A target group with brokerlink's deterministic name exists but belongs to someone else (other tags). */
export class TargetGroupNameTaken extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'TargetGroupNameTaken';
  readonly targetGroupName: string;
  constructor(targetGroupName: string, detail: string) {
    super(`target group name ${targetGroupName} is already used by a target group brokerlink does not own (${detail})`);
    this.targetGroupName = targetGroupName;
  }
}

/** DeleteTargetGroup answered ResourceInUse right after its listener was deleted (eventual consistency). Retried. */
export class TargetGroupStillInUse extends AwsAdapterError {
  static readonly disposition = 'retry';
  override readonly name = 'TargetGroupStillInUse';
  constructor(targetGroupName: string, options?: ErrorOptions) {
    super(`target group ${targetGroupName} is still in use just after its listener was deleted; trying again`, options);
  }
}

/** An action refers to a mapping (target group) that does not exist: the plan is stale, observe and plan again. */
export class MappingNotFound extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'MappingNotFound';
  readonly port: number;
  constructor(exposure: string, port: number, action: string) {
    super(`${action}: no brokerlink mapping for exposure ${exposure} port ${port} exists; observe and plan again`);
    this.port = port;
  }
}

/** The security group would need more inbound rules than its quota allows (RulesPerSecurityGroupLimitExceeded). */
export class SecurityGroupRuleQuotaExceeded extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'SecurityGroupRuleQuotaExceeded';
  readonly groupId: string;
  constructor(groupId: string, needed: number, options?: ErrorOptions) {
    super(
      `security group ${groupId} would need ${needed} inbound rules, more than its quota allows: keep the spec's ` +
        'broker ports contiguous (one ranged rule per consumer CIDR), use fewer consumer CIDRs, or raise the ' +
        '"Inbound or outbound rules per security group" quota',
      options,
    );
    this.groupId = groupId;
  }
}

/** An action's targets cannot be registered as the target group expects (e.g. no instance id for an instance TG). */
export class TargetInvalid extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'TargetInvalid';
}

// ---------------------------------------------------------------- commands

/** A command was aimed at a broker without an EC2 instance id; SSM Run Command needs one. */
export class CommandTargetInvalid extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandTargetInvalid';
}

/** SSM truncates inline output at 24,000 characters; the command's answer cannot be trusted. */
export class CommandOutputTruncated extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandOutputTruncated';
  readonly commandId: string;
  constructor(commandId: string, length: number) {
    super(
      `output of SSM command ${commandId} is ${length} characters, at SSM's inline limit, so it may be truncated ` +
        '(the file is too large for the inline channel)',
    );
    this.commandId = commandId;
  }
}

/** The values handed to the SSM document would not pass its allowedPattern checks. Nothing was sent. */
export class CommandParameterInvalid extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandParameterInvalid';
  readonly parameter: string;
  constructor(parameter: string, detail: string) {
    super(`command parameter ${parameter} is not allowed: ${detail}`);
    this.parameter = parameter;
  }
}

// ---------------------------------------------------------------- lock, spec store, secrets

/** A lock parameter holds something that is not brokerlink's lock record. */
export class LockRecordCorrupt extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'LockRecordCorrupt';
  readonly parameterName: string;
  constructor(parameterName: string, options?: ErrorOptions) {
    super(`lock parameter ${parameterName} does not hold a brokerlink lock record; delete it by hand`, options);
    this.parameterName = parameterName;
  }
}

/** No spec is stored for the cluster. */
export class SpecNotStored extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'SpecNotStored';
  readonly parameterName: string;
  constructor(parameterName: string, options?: ErrorOptions) {
    super(`no cluster spec is stored at SSM parameter ${parameterName}`, options);
    this.parameterName = parameterName;
  }
}

/** The spec text is larger than Parameter Store accepts (8 KB in the Advanced tier). */
export class SpecTooLarge extends AwsAdapterError {
  static readonly disposition = 'fail';
  override readonly name = 'SpecTooLarge';
  constructor(bytes: number, limit: number) {
    super(`the cluster spec is ${bytes} bytes; SSM Parameter Store holds at most ${limit} bytes`);
  }
}

/** Raised by this provider's secret resolver; one class for every provider (shared/port-errors.ts). */
export { SecretUnavailable } from '../../port-errors.ts';
