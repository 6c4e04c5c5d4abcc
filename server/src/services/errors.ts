import type { AlertRuleIssue, CampaignSettingsIssue } from '@pmd/domain';
import { MAX_BATCH_SIZE } from './ingest-validation.ts';

/**
 * The domain failures a caller is expected to handle, thrown by services and mapped by each door: GraphQL exposes
 * them as typed results (schema/error.ts and schema/event.ts register the Pothos object types), REST as FastAPI-shaped
 * status codes. Plain classes, so services never import GraphQL.
 */

/** The id named no existing record. */
export class NotFoundError extends Error {
  constructor(
    message: string,
    readonly resource: string,
    readonly id: string,
  ) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** An argument was out of range or inconsistent (e.g. a window longer than 90 days). */
export class InvalidArgumentError extends Error {
  constructor(
    message: string,
    readonly argument: string,
  ) {
    super(message);
    this.name = 'InvalidArgumentError';
  }
}

/** An upload was larger than its limit (rows or bytes); nothing was stored. REST answers 413. */
export class UploadTooLargeError extends InvalidArgumentError {
  constructor(message: string, argument: string) {
    super(message, argument);
    this.name = 'UploadTooLargeError';
  }
}

/** An ingest request held more than MAX_BATCH_SIZE events; nothing was stored. */
export class BatchTooLargeError extends Error {
  readonly maxBatchSize = MAX_BATCH_SIZE;
  constructor(readonly received: number) {
    super(`A batch holds at most ${MAX_BATCH_SIZE} events; this one has ${received}. Nothing was stored.`);
    this.name = 'BatchTooLargeError';
  }
}

/** An alert rule's settings were refused: every problem, each naming its input field (the form shows them there). */
export class AlertRuleValidationError extends Error {
  constructor(readonly issues: readonly AlertRuleIssue[]) {
    super(`The rule was refused: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}.`);
    this.name = 'AlertRuleValidationError';
  }
}

/** A refused campaign setting, or the campaign id itself (the mutation's other argument). */
export interface CampaignIssue {
  field: CampaignSettingsIssue['field'] | 'campaignId';
  message: string;
}

/** A campaign's settings were refused: every problem, each naming its CampaignInput field; nothing was stored. */
export class CampaignValidationError extends Error {
  constructor(readonly issues: readonly CampaignIssue[]) {
    super(
      `The campaign settings were refused: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}.`,
    );
    this.name = 'CampaignValidationError';
  }
}
