import { NodeIdMismatch, WriterArgumentInvalid, WriterFailed, WriterOutputInvalid } from './broker-writer/errors.ts';
import { type BrokerlinkError, type Disposition, dispositionOf, type RetryPolicy, retryPolicyOf } from './errors.ts';
import { FunctionConfigInvalid, UnexpectedError } from './handlers/errors.ts';
import {
  ProbeAuthenticationFailed,
  ProbeBrokerError,
  ProbeBrokerRetriable,
  ProbeConnectionFailed,
  ProbeConnectionRefused,
  ProbeOptionsInvalid,
  ProbeTimedOut,
  ProbeTlsFailed,
  ProbeUnsupportedVersion,
  ProbeWrongBroker,
} from './kafka/probe/errors.ts';
import { BrokerNotReady, RollInputInvalid, UnsafeToRoll } from './kafka/safety/errors.ts';
import { VerificationFailed, VerificationInputInvalid } from './kafka/verify/errors.ts';
import { ForwarderClosed, ForwarderConfigInvalid, ForwarderListenFailed } from './net/errors.ts';
import { StateMachineDefinitionInvalid, StateMachineFailed } from './orchestration/errors.ts';
import { CapacityExceeded, ObservedStateInvalid, PlanInvalid } from './plan/errors.ts';
import { SecretUnavailable } from './port-errors.ts';
import {
  ExposureInvalid,
  ListenerConfigInvalid,
  ListenerConflict,
  PropertiesEditUnsafe,
  PropertiesSyntaxError,
  UnsupportedListenerConfig,
} from './properties/errors.ts';
import { FdlUnsupported, FlowExecutionFailed } from './providers/alicloud/cloudflow/errors.ts';
import {
  AlicloudBrokerInstanceInvalid,
  AlicloudCallFailed,
  AlicloudDuplicateNodeId,
  AlicloudEndpointServiceNotReady,
  AlicloudJobFailed,
  AlicloudListenerPortTaken,
  AlicloudListenerQuotaExceeded,
  AlicloudMappingNotFound,
  AlicloudProviderNotConfigured,
  AlicloudResourceBusy,
  AlicloudSecretUnavailable,
  AlicloudSecurityGroupQuotaExceeded,
  AlicloudServiceUnavailable,
  AlicloudStateBucketMissing,
  AlicloudThrottled,
  CloudAssistantAgentNotReady,
  CloudAssistantCommandTooLarge,
  CloudAssistantOutputDropped,
  CloudAssistantTargetInvalid,
  CloudAssistantValueUnsafe,
} from './providers/alicloud/errors.ts';
import { AlicloudSpecNotStored } from './providers/alicloud/oss-lock.ts';
import {
  AwsCallFailed,
  AwsProviderNotConfigured,
  AwsServiceUnavailable,
  AwsThrottled,
  BrokerInstanceInvalid,
  CommandOutputTruncated,
  CommandParameterInvalid,
  CommandTargetInvalid,
  DuplicateBrokerNodeId,
  ListenerPortTaken,
  LockRecordCorrupt,
  MappingNotFound,
  SecurityGroupRuleQuotaExceeded,
  SpecNotStored,
  SpecTooLarge,
  TargetGroupNameTaken,
  TargetGroupStillInUse,
  TargetInvalid,
} from './providers/aws/errors.ts';
import { ProviderAdaptersUnavailable } from './providers/errors.ts';
import {
  CommandNotFound,
  CommandRejected,
  LbActionInvalid,
  LbMappingNotFound,
  LbPortConflict,
  LocalLbNotServingRetryable,
  LocalLbReloadFailed,
  LocalProviderUnsupported,
  LocalStateBusyRetryable,
  LocalStateInvalid,
  LockFileInvalid,
  SpecNotFound,
} from './providers/local/errors.ts';
import { SpecInvalid } from './spec/errors.ts';
import {
  BrokerIdentityMismatch,
  CommandFailed,
  ConfigConflict,
  KafkaUnavailable,
  LoadBalancerChangeFailed,
  LoadBalancerChangeTimedOut,
  LockHeld,
  LockLost,
  StepInputInvalid,
} from './steps/errors.ts';
import { TriggerEventInvalid } from './triggers/errors.ts';

/*
 * The error catalogue: every concrete error class of production code (shared/, functions/), keyed by its `name`,
 * the name workflows match on. What engines do with an error is derived from here and from nowhere else: the Retry
 * and Catch lists of the generated workflows (shared/flow/), each handler's error mapping (functions/<cloud>/), the
 * checks that a workflow names no error that does not exist and retries no fatal one.
 *
 * Keys are written out (not taken from `Class.name`) because deployed bundles are minified. A test
 * (error-catalogue.test.ts) scans the tree, so a new error class, or a new errors.ts, cannot be left out; test
 * support (testkit/, testing/) and the CLI's own control-flow errors (cli/errors.ts) are deliberately not here:
 * no workflow ever sees them.
 */
export const ERROR_CATALOGUE = {
  // alicloud provider
  AlicloudThrottled,
  AlicloudServiceUnavailable,
  AlicloudCallFailed,
  AlicloudSecretUnavailable,
  AlicloudSpecNotStored,
  CloudAssistantAgentNotReady,
  CloudAssistantValueUnsafe,
  CloudAssistantCommandTooLarge,
  CloudAssistantOutputDropped,
  CloudAssistantTargetInvalid,
  AlicloudBrokerInstanceInvalid,
  AlicloudDuplicateNodeId,
  AlicloudProviderNotConfigured,
  AlicloudSecurityGroupQuotaExceeded,
  AlicloudEndpointServiceNotReady,
  AlicloudStateBucketMissing,
  AlicloudJobFailed,
  AlicloudResourceBusy,
  AlicloudListenerPortTaken,
  AlicloudMappingNotFound,
  AlicloudListenerQuotaExceeded,
  FdlUnsupported,
  FlowExecutionFailed,
  // steps
  LockHeld,
  CommandFailed,
  ConfigConflict,
  KafkaUnavailable,
  StepInputInvalid,
  BrokerIdentityMismatch,
  LoadBalancerChangeFailed,
  LoadBalancerChangeTimedOut,
  LockLost,
  // spec, plan, observed state
  SpecInvalid,
  PlanInvalid,
  CapacityExceeded,
  ObservedStateInvalid,
  // server.properties and the broker-side writer
  PropertiesSyntaxError,
  ListenerConfigInvalid,
  UnsupportedListenerConfig,
  ListenerConflict,
  ExposureInvalid,
  PropertiesEditUnsafe,
  WriterArgumentInvalid,
  WriterOutputInvalid,
  WriterFailed,
  NodeIdMismatch,
  // Kafka: probe, safety gates, verification
  ProbeConnectionRefused,
  ProbeConnectionFailed,
  ProbeTimedOut,
  ProbeTlsFailed,
  ProbeAuthenticationFailed,
  ProbeWrongBroker,
  ProbeUnsupportedVersion,
  ProbeBrokerError,
  ProbeBrokerRetriable,
  ProbeOptionsInvalid,
  UnsafeToRoll,
  BrokerNotReady,
  RollInputInvalid,
  VerificationInputInvalid,
  VerificationFailed,
  // ports shared by every provider, and the provider registry
  SecretUnavailable,
  ProviderAdaptersUnavailable,
  // entry points and triggers of every cloud
  FunctionConfigInvalid,
  UnexpectedError,
  TriggerEventInvalid,
  // the in-process workflow runner and the port-mapping forwarder
  StateMachineDefinitionInvalid,
  StateMachineFailed,
  ForwarderListenFailed,
  ForwarderConfigInvalid,
  ForwarderClosed,
  // provider: aws
  AwsThrottled,
  AwsServiceUnavailable,
  AwsCallFailed,
  AwsProviderNotConfigured,
  BrokerInstanceInvalid,
  DuplicateBrokerNodeId,
  ListenerPortTaken,
  TargetGroupNameTaken,
  MappingNotFound,
  SecurityGroupRuleQuotaExceeded,
  TargetGroupStillInUse,
  TargetInvalid,
  CommandTargetInvalid,
  CommandOutputTruncated,
  CommandParameterInvalid,
  LockRecordCorrupt,
  SpecNotStored,
  SpecTooLarge,
  // provider: local
  LocalStateInvalid,
  LocalStateBusyRetryable,
  LbPortConflict,
  LbMappingNotFound,
  LbActionInvalid,
  LocalProviderUnsupported,
  CommandRejected,
  CommandNotFound,
  SpecNotFound,
  LockFileInvalid,
  LocalLbReloadFailed,
  LocalLbNotServingRetryable,
} as const;

/** The name of a catalogued error: what a workflow's Retry/Catch may match, checked by the type system. */
export type ErrorName = keyof typeof ERROR_CATALOGUE;

/** A catalogued class (abstract-free: every entry can be thrown). */
export type CataloguedErrorClass = (typeof ERROR_CATALOGUE)[ErrorName];

/** Every catalogued name, in catalogue order (generated workflows list errors in this order). */
export const ERROR_NAMES: readonly ErrorName[] = Object.freeze(Object.keys(ERROR_CATALOGUE) as ErrorName[]);

export function isErrorName(name: string): name is ErrorName {
  return Object.hasOwn(ERROR_CATALOGUE, name);
}

export function dispositionOfName(name: ErrorName): Disposition {
  return dispositionOf(ERROR_CATALOGUE[name]);
}

export function retryPolicyOfName(name: ErrorName): RetryPolicy | undefined {
  return retryPolicyOf(ERROR_CATALOGUE[name]);
}

/** The catalogued names of one disposition, in catalogue order. */
export function errorNamesWith(disposition: Disposition): ErrorName[] {
  return ERROR_NAMES.filter((name) => dispositionOfName(name) === disposition);
}

/**
 * The catalogued error `error` really is: its name is catalogued *and* it is an instance of that class. A foreign
 * error that merely carries a catalogued name (a library's `TimeoutError`, a hand-made `{ name: 'AwsThrottled' }`)
 * is not, so it can never borrow a name that a workflow retries.
 */
export function cataloguedError(error: unknown): (BrokerlinkError & { name: ErrorName }) | undefined {
  if (!(error instanceof Error) || !isErrorName(error.name)) return undefined;
  const errorClass: abstract new (...args: never[]) => BrokerlinkError = ERROR_CATALOGUE[error.name];
  return error instanceof errorClass ? (error as BrokerlinkError & { name: ErrorName }) : undefined;
}
