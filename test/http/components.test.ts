/** Console view pieces on their own: URLs that wrap at slashes, paging links and ranges. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listUrl, pastLastPage, readPaging } from '../../src/http/paging.js';
import { breakableUrl, pagination } from '../../src/http/views/components.js';

describe('console view pieces', () => {
  it('wraps a URL after its slashes and before its query, never inside the host or a word', () => {
    assert.equal(breakableUrl('https://partner.example.com/oauth/callback').value, 'https://partner.example.com/<wbr>oauth/<wbr>callback');
    assert.equal(breakableUrl('http://localhost:8080/cb?a=1&b=<2>').value, 'http://localhost:8080/<wbr>cb<wbr>?a=1<wbr>&amp;b=&lt;2&gt;');
    assert.equal(breakableUrl('not a url').value, 'not a url');
  });

  it('reads page and size from the query, and never lists a page past the last', () => {
    assert.deepEqual(readPaging({ page: '3', per_page: '50' }), { page: 3, perPage: 50 });
    assert.deepEqual(readPaging({ page: 'x', per_page: '7' }), { page: 1, perPage: 15 });
    assert.deepEqual(readPaging({ page: '0' }), { page: 1, perPage: 15 });
    assert.equal(listUrl('/l', { filter: 'a b', empty: '' }, { page: 1, perPage: 15 }), '/l?filter=a+b');
    assert.equal(pastLastPage('/l', { filter: 'x' }, { page: 99, perPage: 15 }, 63), '/l?filter=x&page=5');
    assert.equal(pastLastPage('/l', {}, { page: 2, perPage: 15 }, 0), '/l');
    assert.equal(pastLastPage('/l', {}, { page: 5, perPage: 15 }, 63), null);
  });

  it('says "Showing a–b of n" with First/Previous/Next/Last, and nothing for an empty list', () => {
    const middle = pagination({ path: '/l', query: {}, page: 2, perPage: 15, total: 63, sizes: [15, 50] }).value;
    assert.match(middle, /Showing 16–30 of 63/);
    for (const label of ['First', 'Previous', 'Next', 'Last']) assert.match(middle, new RegExp(`>${label}<`));
    assert.match(middle, /href="\/l\?page=5"[^>]*>Last</);
    assert.match(middle, /href="\/l\?per_page=50">50</);
    const empty = pagination({ path: '/l', query: {}, page: 1, perPage: 15, total: 0 }).value;
    assert.doesNotMatch(empty, /Showing|Page 1 of/);
  });
});
