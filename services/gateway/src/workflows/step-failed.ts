/** A step failed and nothing above it continues past failures. */
export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}
