import { MAX_ID_LENGTH } from './limits.ts';
import { SPEND_SOURCES, type SpendSource } from './metrics.ts';

/**
 * The campaign catalog (table `campaigns`): what people say about a campaign beyond its events. The API and the
 * dashboard's form both check settings with `validateCampaignSettings`; the table's CHECKs are the second line.
 */

export const CAMPAIGN_OBJECTIVES = ['awareness', 'traffic', 'leads', 'sales', 'app_installs'] as const;
export type CampaignObjective = (typeof CAMPAIGN_OBJECTIVES)[number];

/** active: running; paused: stopped for now; ended: over (its numbers stay). */
export const CAMPAIGN_STATUSES = ['active', 'paused', 'ended'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** The editable part of a catalog row (the id is the campaign_id its events carry). */
export interface CampaignSettings {
  name: string;
  objective: CampaignObjective | null;
  status: CampaignStatus;
  /** ISO 4217 code; a label: amounts are never converted, so campaigns compared together should share it. */
  currency: string;
  /** Spend per local day of the reporting time zone; null: no budget (no pacing status). */
  dailyBudget: number | null;
  /** Target cost per activation (the CPA KPI); null: none. */
  targetCpa: number | null;
  /** Target revenue / spend; null: none. */
  targetRoas: number | null;
  /** YYYY-MM-DD local dates; null: open. */
  startsOn: string | null;
  endsOn: string | null;
  tags: string[];
  spendSource: SpendSource;
}

export const CAMPAIGN_LIMITS = {
  name: { maxLength: 200 },
  tags: { maxCount: 20, maxLength: 40 },
  dailyBudget: { min: 0.01, max: 1_000_000_000 },
  targetCpa: { min: 0.01, max: 1_000_000_000 },
  targetRoas: { min: 0.01, max: 1000 },
} as const;

/** The row ingest creates on a campaign's first event. */
export function defaultCampaignSettings(campaignId: string): CampaignSettings {
  return {
    name: campaignId.slice(0, MAX_ID_LENGTH),
    objective: null,
    status: 'active',
    currency: 'USD',
    dailyBudget: null,
    targetCpa: null,
    targetRoas: null,
    startsOn: null,
    endsOn: null,
    tags: [],
    spendSource: 'events',
  };
}

/** One refused setting: the field (as the GraphQL input names it) and why, for people. */
export interface CampaignSettingsIssue {
  field: keyof CampaignSettings;
  message: string;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isDate(value: string): boolean {
  return (
    ISO_DATE.test(value) &&
    !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
    new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
  );
}

/** Every problem of a catalog row's settings, or none. */
export function validateCampaignSettings(settings: CampaignSettings): CampaignSettingsIssue[] {
  const issues: CampaignSettingsIssue[] = [];
  const name = settings.name.trim();
  if (name.length === 0 || name.length > CAMPAIGN_LIMITS.name.maxLength) {
    issues.push({ field: 'name', message: `name must be 1–${CAMPAIGN_LIMITS.name.maxLength} characters` });
  }
  if (settings.objective !== null && !(CAMPAIGN_OBJECTIVES as readonly string[]).includes(settings.objective)) {
    issues.push({ field: 'objective', message: `objective must be one of ${CAMPAIGN_OBJECTIVES.join(', ')}` });
  }
  if (!(CAMPAIGN_STATUSES as readonly string[]).includes(settings.status)) {
    issues.push({ field: 'status', message: `status must be one of ${CAMPAIGN_STATUSES.join(', ')}` });
  }
  if (!/^[A-Z]{3}$/.test(settings.currency)) {
    issues.push({ field: 'currency', message: 'currency must be a three-letter ISO 4217 code such as USD' });
  }
  for (const field of ['dailyBudget', 'targetCpa', 'targetRoas'] as const) {
    const value = settings[field];
    if (value === null) continue;
    const { min, max } = CAMPAIGN_LIMITS[field];
    if (!Number.isFinite(value) || value < min || value > max) {
      issues.push({ field, message: `${field} must be between ${min} and ${max}, or empty` });
    }
  }
  for (const field of ['startsOn', 'endsOn'] as const) {
    const value = settings[field];
    if (value !== null && !isDate(value)) issues.push({ field, message: `${field} must be a date, YYYY-MM-DD` });
  }
  if (settings.startsOn && settings.endsOn && settings.endsOn < settings.startsOn) {
    issues.push({ field: 'endsOn', message: 'endsOn must not be before startsOn' });
  }
  const { maxCount, maxLength } = CAMPAIGN_LIMITS.tags;
  if (settings.tags.length > maxCount) issues.push({ field: 'tags', message: `at most ${maxCount} tags` });
  if (settings.tags.some((tag) => tag.trim().length === 0 || tag.length > maxLength)) {
    issues.push({ field: 'tags', message: `each tag must be 1–${maxLength} characters` });
  }
  if (!(SPEND_SOURCES as readonly string[]).includes(settings.spendSource)) {
    issues.push({ field: 'spendSource', message: `spendSource must be one of ${SPEND_SOURCES.join(', ')}` });
  }
  return issues;
}
