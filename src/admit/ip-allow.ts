import { BlockList, isIP } from 'node:net';
import { SettingError } from '../errors/index.js';

/** True when the address is in the list; false for anything that is not an IP address. */
export type IpMatcher = (ip: string) => boolean;

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_V6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

/**
 * Bring an address to the form we compare and report: brackets, ports and IPv6 zone ids removed,
 * IPv4-mapped IPv6 (`::ffff:10.0.0.1`, as Node reports IPv4 peers on dual-stack sockets) turned into IPv4.
 * Returns undefined when what is left is not an IP address.
 */
export function normalizeIp(text: string): string | undefined {
  let ip = text.trim();
  ip = BRACKETED_V6.exec(ip)?.[1] ?? V4_WITH_PORT.exec(ip)?.[1] ?? ip;
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  ip = MAPPED_V4.exec(ip)?.[1] ?? ip;
  return isIP(ip) === 0 ? undefined : ip.toLowerCase();
}

function fail(text: string, entry: string, why: string): never {
  throw new SettingError(
    'invalid_cidr',
    `Invalid address list "${text}": entry "${entry}" ${why}; expected comma-separated addresses or CIDR blocks, ` +
      'e.g. 10.0.0.0/8, 192.168.1.5, ::1, 2001:db8::/32',
  );
}

/**
 * Parse a comma- or space-separated list of IPv4/IPv6 addresses and CIDR blocks into a matcher.
 * Built on node:net BlockList, which on Node 20 matches IPv4 rules against IPv4-mapped IPv6 addresses
 * and the reverse; addresses are also normalised first so that does not depend on the Node version.
 * @throws {SettingError} code `invalid_cidr`, naming the bad entry.
 */
export function parseCidrList(text: string): IpMatcher {
  const entries = text.split(/[\s,]+/).filter((entry) => entry !== '');
  if (entries.length === 0) fail(text, '', 'is empty: the list names no address');
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const address = slash < 0 ? entry : entry.slice(0, slash);
    const mapped = MAPPED_V4.exec(address)?.[1];
    const base = mapped ?? address;
    const family = isIP(base);
    if (family === 0) fail(text, entry, 'is not an IP address');
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (slash < 0) {
      list.addAddress(base, type);
      continue;
    }
    const prefixText = entry.slice(slash + 1);
    const bits = family === 4 ? 32 : 128;
    // A mapped block such as ::ffff:10.0.0.0/104 is the IPv4 block 10.0.0.0/8.
    const prefix = Number(prefixText) - (mapped === undefined ? 0 : 96);
    if (!/^\d{1,3}$/.test(prefixText) || prefix < 0 || prefix > bits) {
      fail(text, entry, `has a prefix length outside 0-${mapped === undefined ? bits : '96-128'}`);
    }
    list.addSubnet(base, prefix, type);
  }
  return function isAllowedIp(ip) {
    const normal = normalizeIp(ip);
    if (normal === undefined) return false;
    return list.check(normal, isIP(normal) === 4 ? 'ipv4' : 'ipv6');
  };
}

export interface ClientIpInput {
  /** The socket peer's address. */
  readonly remoteAddress: string | undefined;
  /** The X-Forwarded-For header as received (several headers joined with commas). */
  readonly xForwardedFor?: string | undefined;
  /** Proxies whose X-Forwarded-For we believe; without it the header is ignored. */
  readonly trustedProxies?: IpMatcher | undefined;
}

/**
 * The client's address. X-Forwarded-For is believed only when the socket peer is a trusted proxy, and then
 * the client is the right-most entry that is not itself a trusted proxy: every entry to its left was
 * written by the client or by hops we do not trust, so it could be forged. An entry that is not an IP
 * address ends the walk and is returned as-is (trimmed), so allowlists refuse it rather than fall back to
 * a proxy's address. Returns undefined only when the peer address is unknown.
 */
export function clientIp({ remoteAddress, xForwardedFor, trustedProxies }: ClientIpInput): string | undefined {
  if (remoteAddress === undefined) return undefined;
  const peer = normalizeIp(remoteAddress) ?? remoteAddress;
  if (trustedProxies === undefined || xForwardedFor === undefined || !trustedProxies(peer)) return peer;

  const hops = xForwardedFor.split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = hops[i] as string;
    const address = normalizeIp(hop);
    if (address === undefined) return hop;
    client = address;
    if (!trustedProxies(address)) return address;
  }
  // Every hop is a trusted proxy: the left-most one is as close to the client as we can get.
  return client;
}
