import { invalidValue } from './scim-error';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './scim-schemas';

function integer(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d{1,10}$/.test(value)) throw invalidValue(`"${name}" must be an integer.`);
  return Number(value);
}

/** startIndex and count as RFC 7644 §3.4.2.4 reads them: below 1 is 1, below 0 is 0, above the maximum is the maximum. */
export function paging(query: { startIndex?: string; count?: string }): {
  startIndex: number;
  count: number;
} {
  return {
    startIndex: Math.max(1, integer(query.startIndex, 'startIndex', 1)),
    count: Math.min(MAX_PAGE_SIZE, Math.max(0, integer(query.count, 'count', DEFAULT_PAGE_SIZE))),
  };
}

export function attributeList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return list.length > 0 ? list : undefined;
}
