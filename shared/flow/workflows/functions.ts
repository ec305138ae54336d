import type { TaskName } from '../../steps/tasks.ts';

/**
 * The Cloud Function each task of shared/steps/tasks.ts is deployed as (deploy/gcp/functions.ts deploys exactly
 * these; the generated Workflows files call them at BROKERLINK_FUNCTIONS_URL/<name>).
 */
export const TASK_FUNCTIONS: Readonly<Record<TaskName, string>> = {
  acquireLock: 'brokerlink-acquire-lock',
  releaseLock: 'brokerlink-release-lock',
  discover: 'brokerlink-discover',
  probeEnrolment: 'brokerlink-probe-enrolment',
  plan: 'brokerlink-plan',
  applyLoadBalancer: 'brokerlink-apply-load-balancer',
  advanceConfigPush: 'brokerlink-advance-config-push',
  orderRestarts: 'brokerlink-order-restarts',
  checkCanRoll: 'brokerlink-check-can-roll',
  advanceRestart: 'brokerlink-advance-restart',
  checkHealthy: 'brokerlink-check-healthy',
  verify: 'brokerlink-verify',
  report: 'brokerlink-report',
  reportDrift: 'brokerlink-report-drift',
};
