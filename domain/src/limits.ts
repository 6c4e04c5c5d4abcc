/** Limits shared by the API, the dashboard, the generator and the tests: each defined once. */

/** Shortest and longest KPI window, in minutes (90 days: the longest the rollups are meant to answer). */
export const MIN_WINDOW_MINUTES = 1;
export const MAX_WINDOW_MINUTES = 90 * 24 * 60;

/** Most events in one ingest request (GraphQL `ingestEvents` or REST `POST /events/batch`). */
export const MAX_BATCH_SIZE = 10_000;
/** Longest event, user and campaign id, and channel name (in characters). */
export const MAX_ID_LENGTH = 128;
export const MAX_CHANNEL_LENGTH = 64;
/** Events may be stamped at most this far ahead of the server's clock. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Events older than this are refused: the dashboard reads at most 90 days, the daily rollups keep about a year. */
export const RETENTION_DAYS = 400;
/** Largest cost of one event; costs are stored rounded to 6 decimals. */
export const MAX_COST = 1_000_000;
/** Longest name of who acknowledged or snoozed an alert, and longest note (CHECKed in SQL too). */
export const MAX_ALERT_ACTOR_LENGTH = 100;
export const MAX_ALERT_NOTE_LENGTH = 1000;
/** Furthest an alert can be snoozed ahead. */
export const MAX_SNOOZE_DAYS = 30;
/** Largest conversion value (revenue) of one event, and of one imported spend row; stored rounded to 6 decimals. */
export const MAX_REVENUE = 1_000_000_000;
export const MAX_IMPORTED_SPEND = 1_000_000_000;
/**
 * Largest spend upload (GraphQL `importSpend` or REST `POST /spend`): bytes of its CSV or JSON body and data rows.
 * A daily export of a few hundred campaigns × channels × 24 hours fits; both are checked before anything is parsed.
 */
export const MAX_SPEND_IMPORT_BYTES = 2 * 1024 * 1024;
export const MAX_SPEND_IMPORT_ROWS = 10_000;
