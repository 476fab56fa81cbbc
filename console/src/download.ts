/** Saves data as a file, without leaving the page. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = window.document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function downloadJson(document: unknown, filename: string): void {
  downloadBlob(
    new Blob([JSON.stringify(document, null, 2)], { type: 'application/json' }),
    filename,
  );
}
