import type { OnApplicationShutdown } from '@nestjs/common';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';

/** Address ranges a tenant-supplied URL may not reach: loopback, private, link-local, reserved. */
const INTERNAL_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];
const INTERNAL_V6: Array<[string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

/** Why a URL was refused; the message is safe to show to the tenant who supplied it. */
export class OutboundUrlRefused extends Error {}

function blockList(entries: Iterable<string>): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(
      address,
      prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix),
      family,
    );
  }
  return list;
}

/** `::ffff:10.0.0.1` is 10.0.0.1: check mapped addresses by their IPv4 rules. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return { address: mapped[1], family: 'ipv4' };
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' };
}

/**
 * The one way Warden fetches a URL a tenant typed (OIDC discovery, JWKS, token
 * endpoint): internal addresses are refused unless the operator allowlisted
 * them (SSO_ALLOWED_NETWORKS), plain http only towards allowlisted networks.
 * Addresses are checked again when the socket connects, so a DNS answer that
 * changes between the check and the request (rebinding) is refused too.
 */
export class OutboundGuard implements OnApplicationShutdown {
  private readonly internal = new BlockList();
  private readonly allowed: BlockList;
  private readonly agent: Agent;

  constructor(allowedNetworks: readonly string[], timeoutMs: number) {
    for (const [address, prefix] of INTERNAL_V4) this.internal.addSubnet(address, prefix, 'ipv4');
    for (const [address, prefix] of INTERNAL_V6) this.internal.addSubnet(address, prefix, 'ipv6');
    this.allowed = blockList(allowedNetworks);
    this.agent = new Agent({
      connect: { lookup: this.guardedLookup, timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** Whether the operator allowlisted this address (http is then allowed too). */
  isAllowlisted(address: string): boolean {
    const { address: normalised, family } = normalise(address);
    return this.allowed.check(normalised, family);
  }

  /** Whether a tenant-supplied URL may reach this address. */
  mayReach(address: string): boolean {
    const { address: normalised, family } = normalise(address);
    return this.allowed.check(normalised, family) || !this.internal.check(normalised, family);
  }

  /** Throws OutboundUrlRefused unless the URL is http(s) and every address it names may be reached. */
  async assertUrl(value: string | URL): Promise<URL> {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new OutboundUrlRefused('must be an absolute URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new OutboundUrlRefused('must use https');
    if (url.username !== '' || url.password !== '')
      throw new OutboundUrlRefused('must not carry credentials');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses =
      isIP(host) !== 0 ? [host] : (await this.resolve(host)).map((found) => found.address);
    const refused = addresses.find((address) => !this.mayReach(address));
    if (refused !== undefined)
      throw new OutboundUrlRefused(
        `points to an internal address (${refused}); an operator can allow it with SSO_ALLOWED_NETWORKS`,
      );
    if (url.protocol === 'http:' && !addresses.every((address) => this.isAllowlisted(address)))
      throw new OutboundUrlRefused('must use https');
    return url;
  }

  /** fetch() for tenant-supplied URLs: checked before, and at connect time; redirects are not followed. */
  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = await this.assertUrl(input instanceof URL ? input : String(input));
    const response = await undiciFetch(url, {
      ...(init as Parameters<typeof undiciFetch>[1]),
      redirect: 'manual',
      dispatcher: this.agent,
    });
    return response as unknown as Response;
  };

  close(): Promise<void> {
    return this.agent.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  private resolve(host: string): Promise<LookupAddress[]> {
    return new Promise((resolve, reject) =>
      dnsLookup(host, { all: true }, (error, addresses) =>
        error
          ? reject(new OutboundUrlRefused(`host "${host}" cannot be resolved`))
          : resolve(addresses),
      ),
    );
  }

  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const refused = addresses.find((found) => !this.mayReach(found.address));
      if (refused !== undefined) {
        const denied = Object.assign(
          new OutboundUrlRefused(
            `${hostname} resolved to an internal address (${refused.address})`,
          ),
          { code: 'EACCES' },
        );
        return callback(denied, '', 4);
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (first === undefined)
        return callback(new OutboundUrlRefused(`${hostname} has no address`), '', 4);
      return callback(null, first.address, first.family);
    });
  };
}
