import { formatValue } from './format.ts';
import type { PacingStatus } from '@/gql/graphql.ts';

/** How a pacing status reads: words (colour is never the only sign) and a tone. */
export const PACING_VIEW: Record<PacingStatus, { label: string; mark: string; tone: 'good' | 'warn' | 'bad' }> = {
  UNDER: { label: 'Under pace', mark: '▽', tone: 'warn' },
  ON: { label: 'On pace', mark: '●', tone: 'good' },
  OVER: { label: 'Over pace', mark: '▲', tone: 'bad' },
};

/** "$1,240.00 of $1,000.00": the end-of-day projection against the daily budget. */
export function describeProjection(projectedSpend: number, dailyBudget: number | null): string {
  return dailyBudget === null
    ? `${formatValue(projectedSpend, 'currency')} projected, no budget`
    : `${formatValue(projectedSpend, 'currency')} of ${formatValue(dailyBudget, 'currency')}`;
}
