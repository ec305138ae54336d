import { BrokerlinkError } from '../../errors.ts';

/*
 * Errors of the Alibaba Cloud adapters. Each declares what the orchestrator (CloudFlow, the local runner) does
 * next: throttling and server faults are retried, an agent that has not come up yet is waited for, everything
 * else needs a person or a new plan. The SDK error is kept as `cause`; `code` is Alibaba's error code.
 */

/** Alibaba throttled the call (Throttling, Throttling.User, …). Retry the step later. */
export class AlicloudThrottled extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'AlicloudThrottled';
  constructor(operation: string, code: string, options?: ErrorOptions) {
    super(`${operation} was throttled by Alibaba Cloud (${code}); retry later`, {
      ...options,
      context: { operation, code },
    });
  }
}

/** Alibaba answered with a server-side fault (5xx, ServiceUnavailable) or could not be reached. Retry later. */
export class AlicloudServiceUnavailable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'AlicloudServiceUnavailable';
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(`${operation} failed on the Alibaba Cloud side: ${detail}`, { ...options, context: { operation } });
  }
}

/** Any other Alibaba error (access denied, invalid parameter, quota …): `code` says which. */
export class AlicloudCallFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudCallFailed';
  readonly code: string;
  constructor(operation: string, code: string, detail: string, options?: ErrorOptions) {
    super(`${operation} failed: ${code}: ${detail}`, { ...options, context: { operation, code } });
    this.code = code;
  }
}

/** The instance's Cloud Assistant Agent is not running or not answering yet (right after boot). Wait, then retry. */
export class CloudAssistantAgentNotReady extends BrokerlinkError {
  static readonly disposition = 'wait';
  /** A booting instance's agent registers within a few minutes: 20 tries 15 s apart. */
  static readonly retryPolicy = { intervalSeconds: 15, maxAttempts: 20, backoffRate: 1 };
  override readonly name = 'CloudAssistantAgentNotReady';
  constructor(instanceId: string, code: string, options?: ErrorOptions) {
    super(`Cloud Assistant on ${instanceId} cannot take commands yet (${code}); brokerlink waits and tries again`, {
      ...options,
      context: { instanceId, code },
    });
  }
}

/**
 * A value meant for a Cloud Assistant parameter is not of the inert alphabet (letters, digits, `. _ @ + / = -`).
 * Cloud Assistant substitutes `{{ }}` parameters as plain text, so such a value would become shell code: it is
 * refused before anything is sent.
 */
export class CloudAssistantValueUnsafe extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CloudAssistantValueUnsafe';
  readonly field: string;
  constructor(field: string, problem: string) {
    super(`${field} ${problem}; nothing was sent to the broker`, { context: { field } });
    this.field = field;
  }
}

/** The command would exceed Cloud Assistant's 24 KB (Base64 content + parameters) limit. */
export class CloudAssistantCommandTooLarge extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CloudAssistantCommandTooLarge';
  constructor(bytes: number, limit: number, what: string) {
    super(
      `${what} is ${bytes} bytes after Base64 encoding, over Cloud Assistant's ${limit}-byte limit; nothing was sent`,
      {
        context: { bytes, limit },
      },
    );
  }
}

/** Cloud Assistant dropped part of the output (over 24 KB): the answer cannot be trusted, so the step stops. */
export class CloudAssistantOutputDropped extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CloudAssistantOutputDropped';
  constructor(invokeId: string, dropped: number) {
    super(
      `Cloud Assistant invocation ${invokeId} dropped ${dropped} bytes of output (it keeps 24 KB); brokerlink does not act on a truncated answer`,
      { context: { invokeId, dropped } },
    );
  }
}

/** The broker cannot be addressed through Cloud Assistant (no ECS instance id). */
export class CloudAssistantTargetInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CloudAssistantTargetInvalid';
}

/** A secret reference could not be resolved (unknown KMS secret, unset variable, unsupported scheme). */
export class AlicloudSecretUnavailable extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudSecretUnavailable';
  constructor(reference: string, problem: string, options?: ErrorOptions) {
    super(`secret ${reference} is unavailable: ${problem}`, { ...options, context: { reference } });
  }
}

/** Instances carry brokerlink's tags but cannot be brokers as tagged (no or bad node id tag, no private address). */
export class AlicloudBrokerInstanceInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudBrokerInstanceInvalid';
  constructor(nodeIdTag: string, problems: readonly { instanceId: string; reason: string }[]) {
    super(
      `ECS instances selected as brokers cannot be used: ${problems.map((p) => `${p.instanceId}: ${p.reason}`).join('; ')}. ` +
        `Fix the tags: every selected instance needs a "${nodeIdTag}" tag holding its Kafka node id.`,
      { context: { nodeIdTag, instances: problems.map((p) => p.instanceId) } },
    );
  }
}

/** Two running ECS instances claim the same Kafka node id: which one is the broker is not for brokerlink to guess. */
export class AlicloudDuplicateNodeId extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudDuplicateNodeId';
  constructor(nodeId: number, instanceIds: readonly string[], state = 'running') {
    super(
      `${state} ECS instances ${instanceIds.join(', ')} all claim Kafka node id ${nodeId}; untag the one that is not the broker`,
      { context: { nodeId, instanceIds: [...instanceIds], state } },
    );
  }
}

/** An Alibaba adapter was handed a spec without `provider.alicloud`. */
export class AlicloudProviderNotConfigured extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudProviderNotConfigured';
}

/** Opening the consumer ports would pass the security group's rule quota (200 by default) even with ranged rules. */
export class AlicloudSecurityGroupQuotaExceeded extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudSecurityGroupQuotaExceeded';
  constructor(groupId: string, needed: number, options?: ErrorOptions) {
    super(
      `security group ${groupId} would need ${needed} rules, over its quota; remove unused rules or raise the ` +
        'quota (Quota Center: rules per security group)',
      { ...options, context: { groupId, needed } },
    );
  }
}

/**
 * The endpoint service over the NLB is still being created (Creating, not Active), so its whitelist cannot take the
 * consumer's account yet. Retried with its own policy: services become Active within minutes.
 */
export class AlicloudEndpointServiceNotReady extends BrokerlinkError {
  static readonly disposition = 'retry';
  static readonly retryPolicy = { intervalSeconds: 10, maxAttempts: 18, backoffRate: 1 };
  override readonly name = 'AlicloudEndpointServiceNotReady';
  constructor(serviceId: string, status: string) {
    super(`endpoint service ${serviceId} is ${status}, not Active yet; its whitelist is set once it is`, {
      context: { serviceId, status },
    });
  }
}

/** An NLB job finished with Failed: the change did not happen; a person looks at the job in the console. */
export class AlicloudJobFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudJobFailed';
}

/** An NLB resource is being changed by another job (Conflict.Lock): try again once that job is done. */
export class AlicloudResourceBusy extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'AlicloudResourceBusy';
}

/** The NLB port is served by a listener that is not brokerlink's mapping for it: brokerlink does not take it over. */
export class AlicloudListenerPortTaken extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudListenerPortTaken';
}

/** The server group brokerlink keeps for a port is missing (deleted by hand?): plan again. */
export class AlicloudMappingNotFound extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudMappingNotFound';
}

/** The NLB has as many listeners as its quota allows (50 by default): raise it in Quota Center, then the spec. */
export class AlicloudListenerQuotaExceeded extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudListenerQuotaExceeded';
}

/** Operator mode needs the OSS bucket that holds specs and locks: the deploy's --bucket. */
export class AlicloudStateBucketMissing extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'AlicloudStateBucketMissing';
  constructor() {
    super(
      'set BROKERLINK_STATE_BUCKET to the OSS bucket brokerlink was deployed with (npm run deploy:alicloud --bucket)',
    );
  }
}
