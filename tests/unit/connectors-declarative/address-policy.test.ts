import { describe, expect, it } from 'vitest';
import {
  addressRefusal,
  classifyAddress,
  endpointRefusals,
  hostRefusal,
  parseIpv6,
} from '../../../connectors/declarative/address-policy.ts';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2400:3200::1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.20.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['169.254.10.10', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    // Issue 11: local-use NAT64 (RFC 8215) and Teredo were taken for public addresses.
    ['64:ff9b:1::a00:1', 'private'], // /96 form: embeds 10.0.0.1
    ['64:ff9b:1::7f00:1', 'loopback'],
    ['64:ff9b:1::808:808', 'reserved'], // embeds 8.8.8.8, but through a local NAT64
    ['64:ff9b:1:2:3:4:5:6', 'reserved'], // a shorter prefix: the IPv4 is not where /96 puts it
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // Teredo, client 10.0.0.1 (inverted)
    ['2001::ffff:80ff:fffe', 'loopback'], // Teredo, client 127.0.0.1
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'reserved'], // Teredo, client 192.0.2.45
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'reserved'], // Teredo, client 8.8.8.8
    ['2001:4860::8888', 'public'], // 2001:4860::/32 is not Teredo
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('does not take names or malformed addresses for IPs', () => {
    for (const text of [
      'localhost',
      'hpf.example.gov.cn',
      '1.2.3',
      '01.2.3.4',
      '256.1.1.1',
      '1:2:3:4:5:6:7:8:9',
      ':::',
    ]) {
      expect(classifyAddress(text), text).toBeUndefined();
    }
    expect(parseIpv6('1::2:3')).toEqual([1, 0, 0, 0, 0, 0, 2, 3]);
  });

  it('just outside the private ranges is public', () => {
    expect(classifyAddress('172.15.255.255')).toBe('public');
    expect(classifyAddress('172.32.0.0')).toBe('public');
    expect(classifyAddress('100.63.255.255')).toBe('public');
    expect(classifyAddress('11.0.0.1')).toBe('public');
  });
});

describe('the operator policy', () => {
  const closed = { allowedHosts: ['hpf.example.gov.cn', '*.nanjing.gov.cn', '10.0.0.8'] };

  it('allows loopback and private ranges only when the operator says so; never metadata or link-local', () => {
    expect(addressRefusal('127.0.0.1', closed)).toBe('a loopback address (127.0.0.1) is not allowed');
    expect(addressRefusal('127.0.0.1', { ...closed, allowLoopback: true })).toBeUndefined();
    expect(addressRefusal('10.0.0.8', closed)).toBe('a private address (10.0.0.8) is not allowed');
    expect(addressRefusal('10.0.0.8', { ...closed, allowPrivate: true })).toBeUndefined();
    const open = { ...closed, allowLoopback: true, allowPrivate: true };
    expect(addressRefusal('169.254.169.254', open)).toMatch(/metadata/);
    expect(addressRefusal('169.254.1.1', open)).toMatch(/link-local/);
    expect(addressRefusal('0.0.0.0', open)).toMatch(/unspecified/);
  });

  it('matches the allowlist exactly or by subdomain wildcard, case- and trailing-dot-insensitive', () => {
    expect(hostRefusal('HPF.example.gov.cn.', closed)).toBeUndefined();
    expect(hostRefusal('gjj.nanjing.gov.cn', closed)).toBeUndefined();
    expect(hostRefusal('nanjing.gov.cn', closed)).toMatch(/allowlist/);
    expect(hostRefusal('evilnanjing.gov.cn', closed)).toMatch(/allowlist/);
    expect(hostRefusal('example.gov.cn', closed)).toMatch(/allowlist/);
    expect(hostRefusal('anything', { allowedHosts: [] })).toMatch(/allowlist/);
  });

  it('checks a URL: scheme, credentials, allowlist and literal addresses, all reasons at once', () => {
    expect(endpointRefusals('https://hpf.example.gov.cn/api', closed)).toEqual([]);
    expect(endpointRefusals('http://u:p@10.0.0.8/', closed)).toEqual([
      'https required',
      'must not carry credentials',
      'a private address (10.0.0.8) is not allowed',
    ]);
    // WHATWG URL parsing normalises exotic spellings of loopback before the check.
    expect(endpointRefusals('https://0x7f.1/', { allowedHosts: ['127.0.0.1'] })).toEqual([
      'a loopback address (127.0.0.1) is not allowed',
    ]);
    expect(endpointRefusals('not a url', closed)).toEqual(['is not a URL']);
  });
});
