/**
 * How a campaign's health status reads, in words and a mark (never a colour alone). Values this bundle does not know
 * (a server newer than the dashboard) read as their words (`NEEDS_REVIEW` → "Needs review") rather than being
 * mistaken for a known one; null is a campaign without data in the window.
 */
export interface StatusView {
  label: string;
  mark: string;
  tone: 'healthy' | 'at-risk' | 'neutral';
}

const KNOWN: Record<string, StatusView> = {
  HEALTHY: { label: 'Healthy', mark: '✓', tone: 'healthy' },
  AT_RISK: { label: 'At Risk', mark: '⚠', tone: 'at-risk' },
  NOT_ENOUGH_DATA: { label: 'Not enough data', mark: '…', tone: 'neutral' },
};

export function statusView(status: string | null): StatusView {
  if (status === null) return { label: 'No data', mark: '–', tone: 'neutral' };
  const known = KNOWN[status];
  if (known) return known;
  const words = status.toLowerCase().replace(/_/g, ' ');
  return { label: words.charAt(0).toUpperCase() + words.slice(1), mark: '•', tone: 'neutral' };
}

export function statusLabel(status: string | null): string {
  return statusView(status).label;
}
