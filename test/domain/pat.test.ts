import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  choosePatClient,
  defaultPatExpiryChoice,
  needsRotation,
  parseBeforeDate,
  parsePatScopes,
  patExpiryChoices,
  patExpiryProblem,
  patNameProblem,
  resolvePatExpiry,
} from '../../src/domain/pat.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-27T02:00:00.000Z');

describe('PAT rules', () => {
  it('offers never/30/90/365/date without a cap, and drops "never" and longer choices under one', () => {
    assert.deepEqual(patExpiryChoices(undefined), ['never', '30', '90', '365', 'date']);
    assert.deepEqual(patExpiryChoices(90 * 86_400), ['30', '90', 'date']);
    assert.deepEqual(patExpiryChoices(7 * 86_400), ['date']);
  });

  it('preselects the configured default lifetime when it is offered', () => {
    assert.equal(defaultPatExpiryChoice(0, undefined), 'never');
    assert.equal(defaultPatExpiryChoice(90 * 86_400, undefined), '90');
    assert.equal(defaultPatExpiryChoice(30 * 86_400, 30 * 86_400), '30');
    assert.equal(defaultPatExpiryChoice(7 * 86_400, 7 * 86_400), 'date');
  });

  it('resolves form choices to absolute expiries within the cap', () => {
    assert.deepEqual(resolvePatExpiry('never', undefined, NOW, undefined), { expiresAt: null });
    assert.deepEqual(resolvePatExpiry('30', undefined, NOW, undefined), { expiresAt: NOW + 30 * DAY });
    assert.deepEqual(resolvePatExpiry('date', '2026-12-01', NOW, undefined), { expiresAt: Date.parse('2026-12-02T00:00:00.000Z') - 1 });
    assert.ok('error' in resolvePatExpiry('never', undefined, NOW, 30 * 86_400));
    assert.ok('error' in resolvePatExpiry('365', undefined, NOW, 30 * 86_400));
    assert.ok('error' in resolvePatExpiry('date', '2027-06-01', NOW, 30 * 86_400));
    assert.ok('error' in resolvePatExpiry('date', '2026-11-01', NOW, undefined), 'a past date');
    assert.ok('error' in resolvePatExpiry('date', 'soon', NOW, undefined));
    assert.ok('error' in resolvePatExpiry('forever', undefined, NOW, undefined));
  });

  it('checks absolute expiries against now and the cap', () => {
    assert.equal(patExpiryProblem(null, NOW, undefined), null);
    assert.match(patExpiryProblem(null, NOW, 86_400)!, /must expire/);
    assert.match(patExpiryProblem(NOW - 1, NOW, undefined)!, /future/);
    assert.match(patExpiryProblem(NOW + 2 * DAY, NOW, 86_400)!, /within 1 day/);
    assert.equal(patExpiryProblem(NOW + DAY, NOW, 86_400), null);
  });

  it('requires a readable name and known scopes (empty means api)', () => {
    assert.equal(patNameProblem('CI deploy'), null);
    assert.ok(patNameProblem(''));
    assert.ok(patNameProblem('   '));
    assert.ok(patNameProblem('x'.repeat(256)));
    assert.ok(patNameProblem('a\nb'));
    assert.deepEqual(parsePatScopes(undefined), ['api']);
    assert.deepEqual(parsePatScopes([]), ['api']);
    assert.deepEqual(parsePatScopes(['api:read', 'api:read']), ['api:read']);
    assert.equal(typeof parsePatScopes(['admin']), 'string');
  });

  it('picks the only personal-access client, and needs a choice among several', () => {
    const one = [{ id: 'c1', name: 'Personal Access Client', scopes: ['api', 'api:read'] }];
    assert.deepEqual(choosePatClient(undefined, one), { clientId: 'c1', scopes: ['api', 'api:read'] });
    assert.deepEqual(choosePatClient('c1', one), { clientId: 'c1', scopes: ['api', 'api:read'] });
    assert.ok('error' in choosePatClient('other', one));
    assert.ok('error' in choosePatClient(undefined, []));
    assert.ok('error' in choosePatClient(undefined, [...one, { id: 'c2', name: 'B', scopes: ['api'] }]));
  });

  it('flags tokens older than the rotation policy and reads "before" dates', () => {
    assert.equal(needsRotation(NOW - 91 * DAY, NOW, 90), true);
    assert.equal(needsRotation(NOW - 89 * DAY, NOW, 90), false);
    assert.equal(parseBeforeDate('2026-01-02'), Date.parse('2026-01-02T00:00:00Z'));
    assert.equal(parseBeforeDate('2026-01-02T03:04:05Z'), Date.parse('2026-01-02T03:04:05Z'));
    assert.equal(parseBeforeDate('yesterday'), null);
    assert.equal(parseBeforeDate('2026-13-45'), null);
  });
});
