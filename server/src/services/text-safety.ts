/**
 * Text PostgreSQL cannot store as given: NUL (a `text` value cannot hold it; the query fails) and unpaired UTF-16
 * surrogates (the driver encodes them as U+FFFD, so distinct ids would silently become equal).
 */
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
/** Half a UTF-16 pair cannot be encoded as UTF-8: the database would store U+FFFD instead of what was sent. */
export const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` cannot be stored, or null when it can. */
export function textProblem(value: string): string | null {
  if (NUL.test(value)) return 'String should not contain NUL characters';
  if (UNPAIRED_SURROGATE.test(value)) return 'String should be valid Unicode (it holds an unpaired surrogate)';
  return null;
}
