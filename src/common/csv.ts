/**
 * One CSV cell (RFC 4180): quoted when it holds a quote, comma or line break;
 * a leading = + - @ tab or carriage return gets a quote in front, so a
 * spreadsheet does not run it as a formula (OWASP's CSV injection advice).
 */
export function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record, CRLF-terminated. */
export function csvLine(values: ReadonlyArray<string | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
