/** Fixture records indexed by identity number, built once per sandbox. */

/**
 * Groups records by `idNumber`, keeping fixture order within each person.
 * @example indexBySubject(fixtures.hrss).get(id) // HrssRecord[] | undefined
 */
export function indexBySubject<R extends { readonly idNumber: string }>(
  records: readonly R[],
): ReadonlyMap<string, readonly R[]> {
  const index = new Map<string, R[]>();
  for (const record of records) {
    const list = index.get(record.idNumber);
    if (list) list.push(record);
    else index.set(record.idNumber, [record]);
  }
  return index;
}

/**
 * The records of the subjects asked about, in request order; unknown people contribute nothing.
 * @example recordsFor(index, ['3201...', '3201...'])
 */
export function recordsFor<R>(index: ReadonlyMap<string, readonly R[]>, subjects: readonly string[]): R[] {
  return [...new Set(subjects)].flatMap((id) => index.get(id) ?? []);
}
