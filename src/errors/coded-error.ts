/**
 * The shape of every GenHook error a caller branches on: a `name` for logs and a stable `code` from a closed
 * list (its list in error-codes.ts), so code reads `error.code === 'journal_closed'`, never the message.
 */
export abstract class CodedError<Code extends string> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
