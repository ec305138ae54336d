import type { ObservedMapping } from '../model/observed.ts';
import type { LbAction } from '../model/plan.ts';

/* Orderings the planner's phases share: every list in a plan is sorted, so equal inputs give an equal plan. */

export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byNumber(a: number, b: number): number {
  return a - b;
}

export function byExposureThenPort(a: ObservedMapping, b: ObservedMapping): number {
  return byText(a.exposure, b.exposure) || a.port - b.port;
}

export function byActionKey(a: LbAction, b: LbAction): number {
  const exposureA = 'exposure' in a ? a.exposure : '';
  const exposureB = 'exposure' in b ? b.exposure : '';
  return byText(exposureA, exposureB) || a.port - b.port;
}

export function byTargetRef(a: { id: string; port: number }, b: { id: string; port: number }): number {
  return byText(a.id, b.id) || a.port - b.port;
}
