/**
 * Errors of the Google Cloud adapters. Each declares what the orchestrator (Cloud Workflows) does next:
 * 'retry' (transient: 429, 5xx, a lost fingerprint race), 'wait' (not ready yet), 'fail' (a person must act).
 */
import { BrokerlinkError } from '../../errors.ts';

/** A value for the metadata command channel breaks the agent's rules; nothing was sent. */
export class MetadataCommandInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'MetadataCommandInvalid';
  readonly field: string;
  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`metadata command ${field} ${problem}; nothing was sent`, { ...options, context: { field } });
    this.field = field;
  }
}

/** The command does not fit a metadata value (256 KiB). */
export class CommandTooLarge extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandTooLarge';
}

/** The agent's guest-attribute reply cannot be read (malformed, partial, or a checksum mismatch). */
export class CommandReplyInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandReplyInvalid';
}

// ---------------------------------------------------------------- API calls

/** Google throttled (429) or failed on its side (5xx, UNAVAILABLE) after the client's own retries. Retry the step. */
export class GcpRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'GcpRetryable';
  readonly operation: string;
  constructor(operation: string, detail: string, options?: ErrorOptions) {
    super(`${operation} failed on the Google Cloud side (${detail}); retry later`, {
      ...options,
      context: { operation },
    });
    this.operation = operation;
  }
}

/** Any other Google Cloud error (permission, validation, quota, not found where it must exist). */
export class GcpCallFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpCallFailed';
  readonly operation: string;
  readonly status: number | null;
  constructor(operation: string, status: number | null, detail: string, options?: ErrorOptions) {
    super(`${operation} failed${status === null ? '' : ` (HTTP ${status})`}: ${detail}`, {
      ...options,
      context: { operation, status },
    });
    this.operation = operation;
    this.status = status;
  }
}

// ---------------------------------------------------------------- discovery, commands, state

/** Instances matched the discovery labels but cannot be brokers (node id label, nic0 address). */
export class GcpBrokerInstanceInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpBrokerInstanceInvalid';
}

/** Two running instances claim one Kafka node id. */
export class GcpDuplicateBrokerNodeId extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpDuplicateBrokerNodeId';
}

/** A command target carries no `zone/instance` id, which the metadata channel needs. */
export class GcpCommandTargetInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpCommandTargetInvalid';
}

/** Someone else changed the instance's metadata between our read and our write (412): read again and retry. */
export class MetadataChangedConcurrently extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'MetadataChangedConcurrently';
}

/**
 * Guest attributes are read at most 10 times a minute per VM; polled too often. Poll again a little later (the
 * generated Workflows files wait at least 6 s between polls, so this is rare).
 */
export class GuestAttributesRateLimited extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'GuestAttributesRateLimited';
}

/** The lock object in Cloud Storage holds something that is not a lock record. */
export class GcpLockRecordCorrupt extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpLockRecordCorrupt';
}

/** No spec is stored for the cluster. */
export class GcpSpecNotStored extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpSpecNotStored';
}

// ---------------------------------------------------------------- Private Service Connect

/** A resource brokerlink manages exists but is set up differently in a way it cannot change in place. */
export class PscResourceMismatch extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'PscResourceMismatch';
  constructor(resource: string, problem: string, options?: ErrorOptions) {
    super(`${resource} ${problem}`, { ...options, context: { resource } });
  }
}

/** A Compute operation finished with an error (quota, conflict, invalid request); nothing of it took effect. */
export class GcpOperationFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpOperationFailed';
  constructor(what: string, detail: string, status: number | null, options?: ErrorOptions) {
    super(`${what} failed${status === null ? '' : ` (HTTP ${status})`}: ${detail}`, {
      ...options,
      context: { what, status },
    });
  }
}

/** The Private Service Connect service of the cluster is not there yet (nothing was applied). */
export class PscServiceMissing extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'PscServiceMissing';
}

/**
 * A load balancer action that a port-mapping NEG cannot carry out: a bootstrap (fan-out) mapping, more than one
 * target on one client port, a target without a `zone/instance` id, or registering into a port the ledger does
 * not hold. Nothing was changed.
 */
export class GcpPortMappingRefused extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpPortMappingRefused';
}

// ---------------------------------------------------------------- port ledger

/** The ledger object in Cloud Storage holds something that is not a port ledger. A person must look at it. */
export class GcpLedgerCorrupt extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpLedgerCorrupt';
}

/** Other writers kept changing the ledger object between our read and our conditional write. Retry the step. */
export class GcpLedgerContended extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'GcpLedgerContended';
}

/** Operator mode (the CLI) cannot find what the deployed provisioner was configured with (the state bucket). */
export class GcpProviderNotConfigured extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'GcpProviderNotConfigured';
}
