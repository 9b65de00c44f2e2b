/** A training text that cannot be used: missing, unreadable, empty, binary, not UTF-8, or too short. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
