/**
 * The one error this package throws for bad input: the message says what was wrong and what
 * the caller should pass instead.
 */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}
