/** A reason not to start that the operator can act on: printed as one line, without a stack trace. */
export class StartupError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}
