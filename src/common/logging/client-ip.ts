import type { IncomingMessage } from 'node:http';

/** The client's address: the socket's, or the first X-Forwarded-For hop when a trusted proxy sets it. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
    if (first) return first.slice(0, 64);
  }
  return req.socket.remoteAddress?.slice(0, 64) ?? null;
}
