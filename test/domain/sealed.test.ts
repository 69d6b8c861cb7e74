import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { open, seal } from '../../src/domain/sealed.js';

describe('sealed values (AES-256-GCM)', () => {
  const key = randomBytes(32);
  it('opens with the same key and associated data, never in plain text', () => {
    const sealed = seal(key, 'kg_cs_secret', 'row-1');
    assert.ok(!sealed.includes('kg_cs_secret'));
    assert.ok(!Buffer.from(sealed, 'base64url').toString('latin1').includes('kg_cs_secret'));
    assert.equal(open(key, sealed, 'row-1'), 'kg_cs_secret');
    assert.notEqual(seal(key, 'kg_cs_secret', 'row-1'), sealed, 'a fresh nonce each time');
  });
  it('refuses another key, other associated data, and any altered byte', () => {
    const sealed = seal(key, 'value', 'row-1');
    assert.equal(open(randomBytes(32), sealed, 'row-1'), null);
    assert.equal(open(key, sealed, 'row-2'), null);
    const bytes = Buffer.from(sealed, 'base64url');
    for (const i of [0, 13, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[i] = altered[i]! ^ 1;
      assert.equal(open(key, altered.toString('base64url'), 'row-1'), null, `byte ${i}`);
    }
    assert.equal(open(key, 'short', 'row-1'), null);
    assert.throws(() => seal(randomBytes(16), 'v', 'a'), /32 bytes/);
  });
});
