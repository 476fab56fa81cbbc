/**
 * Maps react-admin's page numbers onto the API's keyset cursors. A list is
 * identified by its query (filter, sort, page size); for each, the cursor that
 * starts every page reached so far is kept, so "next" and "previous" cost one
 * request each, and a deep link walks forward from the last page known.
 */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

const starts = new Map<string, Array<string | undefined>>();

export async function readPage<T>(
  listKey: string,
  page: number,
  fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>,
): Promise<{ data: T[]; pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean } }> {
  const known = starts.get(listKey) ?? [undefined];
  starts.set(listKey, known);
  let index = Math.min(page, known.length) - 1;
  let result = await fetchPage(known[index]);
  while (index < page - 1 && result.nextCursor !== null) {
    index += 1;
    known[index] = result.nextCursor;
    result = await fetchPage(result.nextCursor);
  }
  if (result.nextCursor !== null) known[index + 1] = result.nextCursor;
  else known.length = index + 1;
  return {
    data: result.items,
    pageInfo: { hasPreviousPage: index > 0, hasNextPage: result.nextCursor !== null },
  };
}

/** Forgets every list of a resource (after a change that may move rows between pages). */
export function forgetPages(resource: string): void {
  for (const key of starts.keys()) if (key.startsWith(`${resource}:`)) starts.delete(key);
}
