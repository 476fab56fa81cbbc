const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text from users (names, campaign titles) placed in a mail's HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

/** Header values must not carry line breaks (header injection through a display name). */
export function singleLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}
