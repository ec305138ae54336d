import { BrokerlinkError } from '../../errors.ts';

/*
 * Errors of the local provider. Each declares what an orchestrator does next (`disposition`, see shared/errors.ts):
 * the busy / not-yet-serving errors are retried with backoff; conflicts, invalid state and unsupported
 * configuration are fatal until a person fixes them.
 */

/** The local LB state file exists but is not a valid ledger (bad JSON or wrong shape). Fatal: fix or remove it. */
export class LocalStateInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LocalStateInvalid';
  readonly file: string;
  constructor(file: string, detail: string, options?: ErrorOptions) {
    super(`local load balancer state file ${file} is invalid: ${detail}`, options);
    this.file = file;
  }
}

/** Another writer held the state file's write lock for longer than we were willing to wait. Retryable. */
export class LocalStateBusyRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'LocalStateBusyRetryable';
  readonly file: string;
  constructor(file: string, waitedMs: number, options?: ErrorOptions) {
    super(`local load balancer state file ${file} stayed locked by another writer for ${waitedMs} ms`, options);
    this.file = file;
  }
}

/** createMapping (or another action) names a port that another exposure/role/broker already owns. Fatal. */
export class LbPortConflict extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LbPortConflict';
  readonly port: number;
  constructor(port: number, wanted: string, existing: string, options?: ErrorOptions) {
    super(`load balancer port ${port} is wanted for ${wanted} but is owned by ${existing}`, options);
    this.port = port;
  }
}

/** An action needs an existing mapping (register, retire, revive) and there is none at that port. Fatal. */
export class LbMappingNotFound extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LbMappingNotFound';
  readonly port: number;
  constructor(port: number, wanted: string, options?: ErrorOptions) {
    super(`no load balancer mapping at port ${port} for ${wanted}`, options);
    this.port = port;
  }
}

/** The action is malformed for the local LB (e.g. a broker mapping with several targets). Fatal. */
export class LbActionInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LbActionInvalid';
}

/** The local provider cannot serve this spec (no `provider.local`, tag discovery, ...). Fatal: fix the spec. */
export class LocalProviderUnsupported extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LocalProviderUnsupported';
}

/** A broker command could not even be started (bad argument, missing writer). Fatal for that command. */
export class CommandRejected extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandRejected';
}

/** poll() was given a handle this process did not start (the registry is in memory, per process). */
export class CommandNotFound extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'CommandNotFound';
  readonly id: string;
  constructor(id: string, options?: ErrorOptions) {
    super(`no local command with id ${id} in this process (local command handles do not survive a restart)`, options);
    this.id = id;
  }
}

/** The spec store has no spec for this cluster. */
export class SpecNotFound extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'SpecNotFound';
  readonly cluster: string;
  constructor(cluster: string, file: string, options?: ErrorOptions) {
    super(`no spec stored for cluster ${cluster} (looked for ${file})`, options);
    this.cluster = cluster;
  }
}

/** A lock file holds something that is not a lock record (corrupted by hand?). Fatal: inspect and remove it. */
export class LockFileInvalid extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LockFileInvalid';
  readonly file: string;
  constructor(file: string, detail: string, options?: ErrorOptions) {
    super(`lock file ${file} is invalid: ${detail}`, options);
    this.file = file;
  }
}

/** The local load balancer daemon could not load or serve the state file. */
export class LocalLbReloadFailed extends BrokerlinkError {
  static readonly disposition = 'fail';
  override readonly name = 'LocalLbReloadFailed';
}

/** The state file changed but no local load balancer daemon reported serving it in time. Retryable. */
export class LocalLbNotServingRetryable extends BrokerlinkError {
  static readonly disposition = 'retry';
  override readonly name = 'LocalLbNotServingRetryable';
}

/** Raised by this provider's secret resolver; one class for every provider (shared/port-errors.ts). */
export { SecretUnavailable } from '../../port-errors.ts';
