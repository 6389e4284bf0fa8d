/**
 * Thrown by value conversions (decimal range, time parsing, …) with the reason only; the source's
 * row converter adds table, column and primary key and rethrows a ContractError (exit 3).
 */
export class ValueError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'ValueError';
  }
}
