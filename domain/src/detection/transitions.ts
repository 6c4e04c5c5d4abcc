import type { RuleEvaluation } from './evaluate.ts';

/**
 * Where an alert of one rule, campaign and channel stands before an evaluation: none unresolved, pending since an
 * instant (the condition holds but not yet for the rule's pendingMinutes), or open (firing or acknowledged).
 */
export type AlertPhase = { kind: 'none' } | { kind: 'pending'; since: number } | { kind: 'open' };

/**
 * - `fire`: a new alert, firing; `pend`: a new alert, pending.
 * - `promote`: a pending alert held for its period and fires now; `cancel`: a pending alert's condition cleared
 *   first, so it never fired (status cancelled).
 * - `update`: refresh an open or pending alert's values; `resolve`: an open alert recovered.
 */
export type AlertTransition = 'fire' | 'pend' | 'promote' | 'cancel' | 'update' | 'resolve' | 'none';

/**
 * The one state machine of alerts, pure (the worker applies it, the backtest replays it). Unmeasurable evaluations
 * (too little traffic) never change a state.
 */
export function decideTransition(
  phase: AlertPhase,
  evaluation: Pick<RuleEvaluation, 'measurable' | 'anomalous' | 'recovered'>,
  tick: number,
  pendingMinutes: number,
): AlertTransition {
  if (!evaluation.measurable) return 'none';
  switch (phase.kind) {
    case 'none':
      if (!evaluation.anomalous) return 'none';
      return pendingMinutes > 0 ? 'pend' : 'fire';
    case 'pending':
      if (!evaluation.anomalous) return 'cancel';
      return tick - phase.since >= pendingMinutes * 60_000 ? 'promote' : 'update';
    case 'open':
      return evaluation.recovered ? 'resolve' : 'update';
  }
}
