import type { CampaignObjective, CampaignSettings, CampaignStatus, SpendSource } from '@pmd/domain';
import type { CampaignInput } from '@/gql/graphql.ts';

/**
 * The campaign catalog form's values and the conversions around them. Settings are @pmd/domain's CampaignSettings
 * (what validateCampaignSettings checks and the API stores); the schema's enums are the domain's names upper-cased.
 */

/** A catalog row as the API returns it. */
export type CampaignFields = Pick<CampaignInput, keyof CampaignSettings>;

/** What the form edits: numbers and dates as typed (empty = none), tags as one comma-separated text. */
export interface CampaignFormValues {
  name: string;
  /** '' = none. */
  objective: CampaignObjective | '';
  status: CampaignStatus;
  currency: string;
  /** `<input type="number">` gives a number, or '' when empty. */
  dailyBudget: number | string;
  targetCpa: number | string;
  targetRoas: number | string;
  startsOn: string;
  endsOn: string;
  tags: string;
  spendSource: SpendSource;
}

export function settingsOfCampaign(campaign: CampaignFields): CampaignSettings {
  return {
    name: campaign.name,
    objective: (campaign.objective?.toLowerCase() ?? null) as CampaignObjective | null,
    status: campaign.status.toLowerCase() as CampaignStatus,
    currency: campaign.currency,
    dailyBudget: campaign.dailyBudget ?? null,
    targetCpa: campaign.targetCpa ?? null,
    targetRoas: campaign.targetRoas ?? null,
    startsOn: campaign.startsOn ?? null,
    endsOn: campaign.endsOn ?? null,
    tags: [...campaign.tags],
    spendSource: campaign.spendSource.toLowerCase() as SpendSource,
  };
}

export function formValuesOf(settings: CampaignSettings): CampaignFormValues {
  return {
    name: settings.name,
    objective: settings.objective ?? '',
    status: settings.status,
    currency: settings.currency,
    dailyBudget: settings.dailyBudget ?? '',
    targetCpa: settings.targetCpa ?? '',
    targetRoas: settings.targetRoas ?? '',
    startsOn: settings.startsOn ?? '',
    endsOn: settings.endsOn ?? '',
    tags: settings.tags.join(', '),
    spendSource: settings.spendSource,
  };
}

/** An empty amount is none; anything else is a number (NaN when it is not one, which validation refuses). */
function amount(value: number | string): number | null {
  if (typeof value === 'number') return value;
  return value.trim() === '' ? null : Number(value);
}

/** The form as settings, to validate (names trimmed, the currency upper-cased, empty tags dropped). */
export function settingsOfForm(values: CampaignFormValues): CampaignSettings {
  return {
    name: values.name.trim(),
    objective: values.objective === '' ? null : values.objective,
    status: values.status,
    currency: values.currency.trim().toUpperCase(),
    dailyBudget: amount(values.dailyBudget),
    targetCpa: amount(values.targetCpa),
    targetRoas: amount(values.targetRoas),
    startsOn: values.startsOn || null,
    endsOn: values.endsOn || null,
    tags: values.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== ''),
    spendSource: values.spendSource,
  };
}

export function campaignInputOf(settings: CampaignSettings): CampaignInput {
  return {
    ...settings,
    objective: settings.objective === null ? null : (settings.objective.toUpperCase() as CampaignInput['objective']),
    status: settings.status.toUpperCase() as CampaignInput['status'],
    spendSource: settings.spendSource.toUpperCase() as CampaignInput['spendSource'],
  };
}
