// The key a source address is counted under: an IPv4 address as it is, an IPv6
// address by its /64 (one host gets a whole /64, so per-address shares would
// otherwise be per-attacker-chosen-suffix). IPv4-mapped IPv6 reads as IPv4.
import { isIPv6 } from 'node:net';

export function addressKey(remote: string | undefined): string {
  const a = (remote ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!isIPv6(a)) return a === '' ? 'unknown' : a;
  const [head = '', tail = ''] = a.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = a.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}
