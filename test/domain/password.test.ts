import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARGON2_CONCURRENCY, argon2Running, hashPassword, verifyPassword } from '../../src/domain/password.js';

describe('passwords (argon2id)', () => {
  it('verify the right password only, and an unknown user never', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(stored, 'correct horse battery staple'), true);
    assert.equal(await verifyPassword(stored, 'wrong horse battery staple'), false);
    assert.equal(await verifyPassword(null, 'correct horse battery staple'), false);
    assert.equal(await verifyPassword('not-a-hash', 'x'), false);
  });

  it('run at most one argon2 computation per core, and every queued one still completes', async () => {
    const stored = await hashPassword('correct horse battery staple');
    let most = 0;
    const sample = setInterval(() => (most = Math.max(most, argon2Running())), 1);
    const n = ARGON2_CONCURRENCY * 3 + 1;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => verifyPassword(stored, i % 2 ? 'correct horse battery staple' : 'nope')));
    clearInterval(sample);
    assert.deepEqual(results, Array.from({ length: n }, (_, i) => i % 2 === 1));
    assert.ok(most >= 1 && most <= ARGON2_CONCURRENCY, `at most ${ARGON2_CONCURRENCY} at once, saw ${most}`);
    assert.equal(argon2Running(), 0, 'every slot was given back');
  });
});
