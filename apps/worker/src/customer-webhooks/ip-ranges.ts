/**
 * Which IP addresses a webhook may be sent to. Anything that is not plainly public unicast is
 * refused: loopback, private, link-local (cloud metadata lives at 169.254.169.254), shared CGNAT,
 * unique-local, documentation and reserved ranges, multicast, and IPv6 forms that embed an IPv4
 * address (mapped, compatible, NAT64, 6to4), which are judged by the address they embed.
 */
export type AddressKind =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "unique-local"
  | "documentation"
  | "multicast"
  | "reserved";

const V4_RANGES: [string, number, AddressKind][] = [
  ["0.0.0.0", 8, "unspecified"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "documentation"],
  ["192.88.99.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "documentation"],
  ["203.0.113.0", 24, "documentation"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];

const V6_RANGES: [string, number, AddressKind][] = [
  ["::", 128, "unspecified"],
  ["::1", 128, "loopback"],
  ["64:ff9b:1::", 48, "reserved"],
  ["100::", 64, "reserved"],
  ["2001:db8::", 32, "documentation"],
  ["2001::", 23, "reserved"],
  ["3fff::", 20, "documentation"],
  ["fc00::", 7, "unique-local"],
  ["fe80::", 10, "link-local"],
  ["fec0::", 10, "link-local"],
  ["ff00::", 8, "multicast"],
];

/** IPv6 prefixes whose low 32 bits (or, for 6to4, bits 16-47) are an IPv4 address. */
const V4_EMBEDDING: [string, number][] = [
  ["::ffff:0:0", 96], // IPv4-mapped
  ["::ffff:0:0:0", 96], // IPv4-translated
  ["64:ff9b::", 96], // NAT64
  ["::", 96], // IPv4-compatible (deprecated)
];

export function parseIPv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export function parseIPv6(text: string): bigint | null {
  let input = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (input.includes("%")) input = input.slice(0, input.indexOf("%")); // zone id
  const tail = input.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const v4 = parseIPv4(tail[2]!);
    if (v4 === null) return null;
    input = `${tail[1]}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = input.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  let value = 0n;
  for (const group of all) {
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return null;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

function inV4(address: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((address & mask) >>> 0) === ((parseIPv4(base)! & mask) >>> 0);
}

function inV6(address: bigint, base: string, bits: number): boolean {
  const shift = BigInt(128 - bits);
  return address >> shift === parseIPv6(base)! >> shift;
}

function classifyV4(address: number): AddressKind {
  for (const [base, bits, kind] of V4_RANGES) if (inV4(address, base, bits)) return kind;
  return "public";
}

function classifyV6(address: bigint): AddressKind {
  if (address === 0n) return "unspecified";
  if (address === 1n) return "loopback";
  for (const [base, bits] of V4_EMBEDDING) {
    if (inV6(address, base, bits)) return classifyV4(Number(address & 0xffffffffn));
  }
  // 6to4: 2002:AABB:CCDD::/48 carries AA.BB.CC.DD
  if (inV6(address, "2002::", 16)) return classifyV4(Number((address >> 80n) & 0xffffffffn));
  for (const [base, bits, kind] of V6_RANGES) if (inV6(address, base, bits)) return kind;
  // Only 2000::/3 is global unicast; the rest of the space is unassigned or special.
  return inV6(address, "2000::", 3) ? "public" : "reserved";
}

/** The kind of an IP address literal, or null when `text` is not one. */
export function classifyAddress(text: string): AddressKind | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return classifyV4(v4);
  const v6 = text.includes(":") ? parseIPv6(text) : null;
  if (v6 !== null) return classifyV6(v6);
  return null;
}
