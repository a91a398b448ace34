import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkEmail,
  DEFAULT_ALLOWED_DOMAINS,
  describeAllowedDomains,
  isAllowedDomain,
  parseAllowedDomains,
} from './email-domains.ts';

const NHS = DEFAULT_ALLOWED_DOMAINS;

describe('checkEmail with the default allow-list (nhs.net, nhs.uk and subdomains)', () => {
  const accepted: [string, string][] = [
    ['jane.doe@nhs.net', 'jane.doe@nhs.net'],
    ['Jane.Doe@NHS.NET', 'jane.doe@nhs.net'],
    ['  jane.doe@nhs.net \n', 'jane.doe@nhs.net'],
    ['j.bloggs1@nhs.uk', 'j.bloggs1@nhs.uk'],
    ['a.person@england.nhs.uk', 'a.person@england.nhs.uk'],
    ['someone@gp-a81001.nhs.uk', 'someone@gp-a81001.nhs.uk'],
    ['x@nhs.net', 'x@nhs.net'],
    ["o'brien@nhs.net", "o'brien@nhs.net"],
    ['deep@a.b.c.nhs.uk', 'deep@a.b.c.nhs.uk'],
  ];
  for (const [input, email] of accepted) {
    it(`accepts ${JSON.stringify(input)}`, () => {
      const r = checkEmail(input, NHS);
      expect(r).toEqual({ ok: true, email, domain: email.split('@')[1] });
    });
  }

  const notAllowed: string[] = [
    'someone@nhs.net.evil.com', // allowed domain as a prefix
    'someone@nhs.uk.evil.com',
    'someone@evil-nhs.net', // no label boundary
    'someone@xnhs.net',
    'someone@nhsnet.com',
    'someone@nhs.com',
    'someone@gmail.com',
    'someone@net', // single label
    'someone@evil.com', // nothing like it
    'someone@nhs.net-evil.com',
    'someone@nhs.netevil.com',
    'someone@evilnhs.uk',
    'someone@nhs.uk.', // trailing dot (refused outright: not-an-address)
  ];
  for (const input of notAllowed) {
    it(`refuses ${JSON.stringify(input)}`, () => {
      const r = checkEmail(input, NHS);
      expect(r.ok).toBe(false);
    });
  }

  // Sub-addresses reach the same mailbox as the address without them: accepting `a+x@nhs.net` would let a
  // disabled `a@nhs.net` come back as a new user (issue 16, item 12a). One identity per mailbox.
  for (const input of [
    'first+tag@nhs.net',
    'A+X@NHS.NET',
    'a+@nhs.uk',
    '+x@nhs.net',
    'a.b+c.d@england.nhs.uk',
  ]) {
    it(`refuses the sub-address ${JSON.stringify(input)}`, () => {
      expect(checkEmail(input, NHS)).toEqual({
        ok: false,
        problem: 'sub-address',
        domain: input.split('@')[1]!.toLowerCase(),
      });
    });
  }

  it('refuses sub-addresses in any allowed domain, not only NHS ones', () => {
    expect(checkEmail('a+b@trust.example.org', ['example.org'])).toMatchObject({
      ok: false,
      problem: 'sub-address',
    });
  });

  it('says the domain is not allowed (and which) for well-formed addresses elsewhere', () => {
    expect(checkEmail('a@nhs.net.evil.com', NHS)).toEqual({
      ok: false,
      problem: 'domain-not-allowed',
      domain: 'nhs.net.evil.com',
    });
    expect(checkEmail('a@EVIL-NHS.NET', NHS)).toEqual({
      ok: false,
      problem: 'domain-not-allowed',
      domain: 'evil-nhs.net',
    });
  });

  const malformed: string[] = [
    'someone@nhs.net.', // trailing dot
    'someone@nhs.net..',
    'someone@.nhs.net', // leading dot
    'someone@nhs..net',
    'someone@@nhs.net', // two @
    'a@b@nhs.net', // multiple @: the last one would look allowed
    'someone@evil.com@nhs.net',
    '"someone@evil.com"@nhs.net', // quoted local part
    '"a b"@nhs.net',
    'someone(comment)@nhs.net', // comment
    'someone@[192.168.0.1]', // IP literal
    'someone@127.0.0.1',
    'some one@nhs.net', // space inside
    'someone@nhs.net\n.evil.com', // newline inside
    'someone@nhs.net\u0000', // NUL
    'someone@nhs\u2024net', // one-dot leader that looks like a dot
    'someone@nh\u0455.net', // Cyrillic dze looks like s
    'someone@nhs.ne\u0074\u200b', // zero-width space
    'someone@xn--nhs-9ka.net', // punycode label
    'someone@nhs.xn--net-abc', // punycode label
    'someone@-nhs.net', // label starting with a hyphen
    'someone@nhs-.net',
    '.someone@nhs.net', // leading dot in local part
    'some..one@nhs.net',
    'someone.@nhs.net',
    '@nhs.net',
    'someone@',
    'someone',
    'nhs.net',
    '',
    '   ',
    `${'a'.repeat(65)}@nhs.net`, // local part over 64
    `a@${'b'.repeat(64)}.nhs.net`, // label over 63
    `${'a'.repeat(60)}@${'b.'.repeat(100)}nhs.net`, // over 254
    'someone@nhs.net/../evil',
    'someone@nhs.net?x=@evil.com',
    "someone@nhs.net' OR '1'='1",
    '<script>@nhs.net',
  ];
  for (const input of malformed) {
    it(`refuses the malformed ${JSON.stringify(input)}`, () => {
      const r = checkEmail(input, NHS);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(['empty', 'too-long', 'not-an-address']).toContain(r.problem);
    });
  }

  it('refuses values that are not strings', () => {
    for (const v of [undefined, null, 42, ['a@nhs.net'], { email: 'a@nhs.net' }]) {
      expect(checkEmail(v, NHS).ok).toBe(false);
    }
  });

  it('never accepts an address whose domain is not nhs.net, nhs.uk or below them (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const r = checkEmail(s, NHS);
        if (!r.ok) return true;
        const domain = r.email.slice(r.email.lastIndexOf('@') + 1);
        return (
          r.email === s.trim().toLowerCase() &&
          (domain === 'nhs.net' || domain === 'nhs.uk' || /\.nhs\.(net|uk)$/.test(domain)) &&
          r.email.split('@').length === 2
        );
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts any plain local part without a sub-address at an allowed domain, and refuses it with one (property)', () => {
    const localPart = fc
      .stringMatching(/^[a-z0-9]([a-z0-9._+-]{0,20}[a-z0-9])?$/)
      .filter((s) => !s.includes('..'));
    fc.assert(
      fc.property(localPart, fc.constantFrom('nhs.net', 'nhs.uk', 'x.nhs.uk'), (local, domain) => {
        const r = checkEmail(`${local}@${domain}`, NHS);
        if (local.includes('+')) return !r.ok && r.problem === 'sub-address';
        return r.ok && r.email === `${local}@${domain}`;
      }),
    );
  });
});

describe('isAllowedDomain', () => {
  it('matches the domain itself and its subdomains only', () => {
    expect(isAllowedDomain('nhs.net', NHS)).toBe(true);
    expect(isAllowedDomain('a.nhs.net', NHS)).toBe(true);
    expect(isAllowedDomain('anhs.net', NHS)).toBe(false);
    expect(isAllowedDomain('nhs.net.evil.com', NHS)).toBe(false);
    expect(isAllowedDomain('NHS.NET', NHS)).toBe(false); // callers lower-case first
    expect(isAllowedDomain('nhs.net.', NHS)).toBe(false);
  });
});

describe('parseAllowedDomains (AUTH_ALLOWED_DOMAINS)', () => {
  it('defaults to nhs.net and nhs.uk', () => {
    expect(parseAllowedDomains(undefined)).toEqual(['nhs.net', 'nhs.uk']);
    expect(parseAllowedDomains('  ')).toEqual(['nhs.net', 'nhs.uk']);
  });

  it('reads a comma or space separated list, lower-cased, without duplicates', () => {
    expect(parseAllowedDomains('NHS.net, nhs.uk  example.nhs.uk,*.nhs.scot,.hscni.net')).toEqual([
      'nhs.net',
      'nhs.uk',
      'example.nhs.uk',
      'nhs.scot',
      'hscni.net',
    ]);
    expect(parseAllowedDomains('nhs.net,nhs.net')).toEqual(['nhs.net']);
  });

  it('refuses entries that are not domains', () => {
    for (const bad of [
      'net',
      'nhs..net',
      'nhs.net.',
      '@nhs.net',
      'xn--nhs-9ka.net',
      'nhs.net/evil',
      '1.2.3.4',
    ]) {
      expect(() => parseAllowedDomains(bad)).toThrow(/not a domain/);
    }
    expect(() => parseAllowedDomains(',,')).toThrow(/empty/);
  });

  it('uses a configured list instead of the default', () => {
    const allowed = parseAllowedDomains('example.org');
    expect(checkEmail('a@example.org', allowed).ok).toBe(true);
    expect(checkEmail('a@nhs.net', allowed).ok).toBe(false);
  });
});

describe('describeAllowedDomains', () => {
  it('joins with "or"', () => {
    expect(describeAllowedDomains(['nhs.net', 'nhs.uk'])).toBe('nhs.net or nhs.uk');
    expect(describeAllowedDomains(['a.org', 'b.org', 'c.org'])).toBe('a.org, b.org or c.org');
    expect(describeAllowedDomains(['nhs.net'])).toBe('nhs.net');
  });
});
