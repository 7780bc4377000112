// The edge half of private caches, run by `node --test infra/src/test/js/` (Maven runs it in infra's
// test phase). viewer-request.js is judged against the shared case table, edge-cases.json, which the
// local (Java) implementation runs too; viewer-response.js and the edge's own fail-closed details
// against the cases below.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FUNCTION_SIZE_LIMIT, KEY_SIZE_LIMIT, load, source } from './cloudfront-runtime.mjs';

const table = JSON.parse(readFileSync(new URL('../resources/dev/nixfront/infra/edge-cases.json', import.meta.url), 'utf8'));
const REQUEST = 'viewer-request.js';
const RESPONSE = 'viewer-response.js';

/** The store a case runs against: the table's, without the keys the case unsets. */
function storeOf(c) {
    const store = { ...table.store };
    for (const key of c.unset ?? []) {
        delete store[key];
    }
    return store;
}

/** A plain copy: objects made inside the function's context have that context's prototypes. */
const plain = (value) => JSON.parse(JSON.stringify(value));

function requestEvent(method, uri, headers) {
    const fields = {};
    for (const [name, value] of Object.entries(headers)) {
        fields[name] = { value };
    }
    return {
        version: '1.0',
        context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'test' },
        viewer: { ip: '198.51.100.7' },
        request: { method, uri, querystring: {}, headers: fields, cookies: {} },
    };
}

function responseEvent(uri, cacheControl, statusCode = 200) {
    const headers = { 'content-type': { value: 'text/x-nix-narinfo' }, etag: { value: '"abc"' } };
    if (cacheControl !== undefined) {
        headers['cache-control'] = Array.isArray(cacheControl)
            ? { value: cacheControl[0], multiValue: cacheControl.map((value) => ({ value })) }
            : { value: cacheControl };
    }
    const event = requestEvent('GET', uri, {});
    event.context.eventType = 'viewer-response';
    event.response = { statusCode, statusDescription: 'OK', headers, cookies: {} };
    return event;
}

/** Runs viewer-request on one request and checks the contract's outcome: allow, 401 or 404. */
async function expectOutcome(fn, method, uri, headers, expect) {
    const event = requestEvent(method, uri, headers);
    const sent = plain(event.request);
    fn.reads.length = 0;
    const result = await fn.handler(event);
    assert.ok(fn.reads.length <= 3, `at most three KeyValueStore reads, not ${fn.reads.join(', ')}`);
    if (expect === 'allow') {
        assert.equal(result, event.request, 'allow returns the request itself');
        const out = plain(result);
        assert.equal(out.method, sent.method);
        assert.equal(out.uri, sent.uri);
        delete sent.headers.authorization;
        assert.deepEqual(out.headers, sent.headers, 'the Authorization header is removed, the others kept');
        return;
    }
    const response = plain(result);
    assert.equal(response.statusCode, expect);
    assert.equal(response.headers['cache-control'].value, 'no-store');
    if (expect === 401) {
        assert.equal(response.headers['www-authenticate'].value, 'Basic realm="nixfront"');
        assert.equal(typeof response.body, 'string');
        assert.ok(response.body.length > 0 && response.body.length <= 100, 'a short text body');
    }
}

describe('the functions as deployed', () => {
    for (const file of [REQUEST, RESPONSE]) {
        test(`${file} fits CloudFront Functions' 10 KB`, (t) => {
            const bytes = Buffer.byteLength(source(file), 'utf8');
            t.diagnostic(`${file}: ${bytes} bytes of ${FUNCTION_SIZE_LIMIT}`);
            assert.ok(bytes <= FUNCTION_SIZE_LIMIT, `${file} is ${bytes} bytes`);
        });
    }

    test('viewer-request imports exactly cloudfront (the store) and crypto (SHA-256)', () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now, file: REQUEST });
        assert.deepEqual([...fn.imports].sort(), ['cloudfront', 'crypto']);
    });

    test('viewer-response imports exactly cloudfront (the store)', () => {
        const fn = load(source(RESPONSE), { store: table.store, now: table.now, file: RESPONSE });
        assert.deepEqual(fn.imports, ['cloudfront']);
    });
});

describe('the loader refuses what the runtime would', () => {
    const options = { store: {}, now: table.now };

    test('a module the tests do not offer', () => {
        assert.throws(() => load("import fs from 'fs';\nfunction handler(event) { return event.request; }\n", options), /imports 'fs'/);
    });

    test('require()', () => {
        assert.throws(() => load("const c = require('crypto');\nfunction handler(event) { return event.request; }\n", options), /require/);
    });

    test('an import the function forgot: the module is no global', async () => {
        const fn = load("async function handler(event) { return crypto.createHash('sha256'); }\n", options);
        await assert.rejects(fn.handler(requestEvent('GET', '/pub/x', {})), /crypto is not defined/);
    });

    test('eval', () => {
        const fn = load("function handler(event) { return eval('event.request'); }\n", options);
        assert.throws(() => fn.handler(requestEvent('GET', '/pub/x', {})), /Code generation from strings disallowed/);
    });

    test('a hash the runtime does not have', () => {
        const fn = load("import crypto from 'crypto';\nfunction handler(event) { return crypto.createHash('sha512'); }\n", options);
        assert.throws(() => fn.handler(requestEvent('GET', '/pub/x', {})), /sha512 is not offered/);
    });

    test('no handler', () => {
        assert.throws(() => load('function main(event) { return event.request; }\n', options), /no function named handler/);
    });
});

describe('the shared case table', () => {
    test('has the shape the contract gives it', () => {
        assert.deepEqual(Object.keys(table), ['now', 'tokens', 'store', 'cases']);
        assert.ok(Number.isInteger(table.now));
        for (const c of table.cases) {
            const fields = c.unset === undefined ? ['name', 'method', 'uri', 'headers', 'expect'] : ['name', 'method', 'uri', 'headers', 'unset', 'expect'];
            assert.deepEqual(Object.keys(c), fields, c.name);
            assert.ok((c.unset ?? []).every((key) => Object.hasOwn(table.store, key)), c.name);
            assert.ok(['GET', 'HEAD'].includes(c.method), c.name);
            assert.ok(['allow', 401, 404].includes(c.expect), c.name);
            assert.ok(Object.keys(c.headers).every((h) => h === h.toLowerCase()), c.name);
        }
        const names = table.cases.map((c) => c.name);
        assert.equal(new Set(names).size, names.length, 'case names are unique');
        for (const method of ['GET', 'HEAD']) {
            for (const expect of ['allow', 401, 404]) {
                if (!(method === 'HEAD' && expect === 404)) {
                    assert.ok(table.cases.some((c) => c.method === method && c.expect === expect), `${method} ${expect}`);
                }
            }
        }
    });

    test('its store entries are written as the contract writes them', () => {
        const hashes = new Set(Object.values(table.tokens).map((token) => createHash('sha256').update(token, 'utf8').digest('hex')));
        for (const [key, value] of Object.entries(table.store)) {
            assert.ok(Buffer.byteLength(key) <= KEY_SIZE_LIMIT, key);
            assert.ok(Buffer.byteLength(value) <= 1024, key);
            const parsed = JSON.parse(value);
            assert.equal(JSON.stringify(parsed), value, `compact JSON: ${key}`);
            if (key === 's:filled') {
                assert.deepEqual(Object.keys(parsed), ['at'], key);
                assert.ok(Number.isInteger(parsed.at), key);
                continue;
            }
            if (key.startsWith('c:')) {
                assert.deepEqual(Object.keys(parsed), ['p', 'i'], key);
                assert.equal(typeof parsed.p, 'boolean', key);
                assert.match(parsed.i, /^([0-9a-f]{16})?$/, key);
                continue;
            }
            const match = /^t:([0-9a-f]{64}):(.+)$/.exec(key);
            assert.ok(match !== null, key);
            assert.ok(hashes.has(match[1]), `${key} is the hash of one of the tokens`);
            assert.deepEqual(Object.keys(parsed), match[2] === '*' ? ['e'] : ['i', 'e'], key);
            assert.ok(Number.isInteger(parsed.e) && parsed.e >= 0, key);
        }
    });
});

describe('viewer-request on the shared case table', () => {
    for (const c of table.cases) {
        test(`${c.method} ${c.uri.length > 60 ? c.uri.slice(0, 57) + '...' : c.uri}: ${c.name} -> ${c.expect}`, async () => {
            const fn = load(source(REQUEST), { store: storeOf(c), now: table.now, file: REQUEST });
            await expectOutcome(fn, c.method, c.uri, c.headers, c.expect);
        });
    }
});

describe('viewer-request: the edge fails closed beyond the table', () => {
    const team = table.tokens['team-read'];
    const hash = createHash('sha256').update(team).digest('hex');

    test('reads one entry for a public cache and none for an invalid name', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now });
        await fn.handler(requestEvent('GET', '/pub/nix-cache-info', {}));
        assert.deepEqual(fn.reads, ['c:pub']);
        fn.reads.length = 0;
        await fn.handler(requestEvent('GET', '/Team/nix-cache-info', {}));
        assert.deepEqual(fn.reads, []);
    });

    test('reads the cache, then the named grant, and stops there for a named token', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now });
        await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + team }, 'allow');
        assert.deepEqual(fn.reads, ['c:team', `t:${hash}:team`]);
    });

    test('a store that cannot be read answers 404, never the object', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now, failReads: true });
        await expectOutcome(fn, 'GET', '/pub/nix-cache-info', {}, 404);
        await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + team }, 404);
    });

    test('a backslash after the cache never reaches the store', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now });
        await expectOutcome(fn, 'GET', '/pub/nar\\x.nar.zst', {}, 404);
        assert.deepEqual(fn.reads, []);
    });

    test('a cache without an entry reads its entry only, filled store or not', async () => {
        const { 's:filled': filled, ...unfilled } = table.store;
        assert.ok(filled !== undefined);
        for (const store of [table.store, unfilled]) {
            const fn = load(source(REQUEST), { store, now: table.now });
            await expectOutcome(fn, 'GET', '/newcache/nix-cache-info', {}, 404);
            assert.deepEqual(fn.reads, ['c:newcache']);
        }
    });

    test('a cache entry that is not the admin\'s JSON counts as missing', async () => {
        for (const value of ['', 'public', 'null', '[]', '{"p":']) {
            const fn = load(source(REQUEST), { store: { ...table.store, 'c:pub': value }, now: table.now });
            await expectOutcome(fn, 'GET', '/pub/nix-cache-info', {}, 404);
        }
    });

    // As EdgeRules does: an entry that is not the admin's JSON is no entry. Found by an outside
    // review: without "i" on both sides, a grant passed the incarnation check (undefined === undefined).
    test('a cache entry without a boolean p or a string i counts as missing', async () => {
        for (const value of ['{"i":"00000000000000a1"}', '{"p":"false","i":"00000000000000a1"}', '{"p":true}']) {
            const fn = load(source(REQUEST), { store: { ...table.store, 'c:pub': value }, now: table.now });
            await expectOutcome(fn, 'GET', '/pub/nix-cache-info', {}, 404);
        }
    });

    test('a named grant without a string i is no grant', async () => {
        const fn = load(source(REQUEST), { store: { ...table.store, [`t:${hash}:team`]: '{"e":0}' }, now: table.now });
        await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + team }, 401);
    });

    test('a grant without a numeric expiry is no grant', async () => {
        for (const value of ['{"i":"0000000000000b02"}', '{"i":"0000000000000b02","e":"0"}', '{"i":"0000000000000b02","e":null}', 'yes']) {
            const fn = load(source(REQUEST), { store: { ...table.store, [`t:${hash}:team`]: value }, now: table.now });
            await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + team }, 401);
        }
    });

    test('a uri without a leading slash names no cache', async () => {
        const fn = load(source(REQUEST), { store: { ...table.store, 'c:undefined': '{"p":false,"i":""}' }, now: table.now });
        await expectOutcome(fn, 'GET', 'pub/nix-cache-info', {}, 404);
        await expectOutcome(fn, 'GET', '', {}, 404);
    });

    test('an Authorization header with many values is judged by its first', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now });
        const event = requestEvent('GET', '/team/nix-cache-info', {});
        event.request.headers.authorization = { value: 'Bearer ' + team, multiValue: [{ value: 'Bearer ' + team }, { value: 'Bearer x' }] };
        const result = await fn.handler(event);
        assert.equal(result, event.request);
        assert.equal(plain(result).headers.authorization, undefined, 'every value is removed');
    });

    test('a header of 20,000 spaces is refused without backtracking', async () => {
        const fn = load(source(REQUEST), { store: table.store, now: table.now });
        const started = performance.now();
        await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + ' '.repeat(20000) + 'x ' + ' '.repeat(20000) + 'y' }, 401);
        await expectOutcome(fn, 'GET', '/team/nix-cache-info', { authorization: 'Basic ' + 'A'.repeat(20000) + '=' }, 401);
        assert.ok(performance.now() - started < 200, 'well inside a CloudFront Function\'s compute budget');
    });

    test('Date is the frozen start of the run: a grant expiring then is refused, one second later allowed', async () => {
        const expiring = table.tokens['team-expires-now'];
        const grantKey = `t:${createHash('sha256').update(expiring).digest('hex')}:team`;
        const before = load(source(REQUEST), { store: table.store, now: table.now - 1 });
        await expectOutcome(before, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + expiring }, 'allow');
        const at = load(source(REQUEST), { store: table.store, now: table.now });
        await expectOutcome(at, 'GET', '/team/nix-cache-info', { authorization: 'Bearer ' + expiring }, 401);
        assert.ok(Object.hasOwn(table.store, grantKey));
    });
});

describe('viewer-response: Cache-Control of private caches', () => {
    const NARINFO = '/team/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs.narinfo';
    const NAR = '/team/nar/1w1fff338fvdw53sqgamddn1b2xgds473pv6y13gizdbqjv4i5p3.nar.xz';
    const fn = load(source(RESPONSE), { store: table.store, now: table.now, file: RESPONSE });

    async function rewrite(uri, cacheControl) {
        const event = responseEvent(uri, cacheControl);
        const before = plain(event.response);
        fn.reads.length = 0;
        const result = await fn.handler(event);
        assert.equal(result, event.response, 'returns the response itself');
        const after = plain(result);
        assert.equal(after.statusCode, before.statusCode);
        assert.equal(after.body, undefined, 'the body is left alone');
        assert.deepEqual(after.headers['content-type'], before.headers['content-type']);
        assert.deepEqual(after.headers.etag, before.headers.etag);
        return after.headers['cache-control'];
    }

    const cases = [
        ['a private narinfo', NARINFO, 'public, max-age=300', 'private, max-age=300'],
        ['a private NAR (the NAR policy\'s header)', NAR, 'public, max-age=31536000, immutable', 'private, max-age=31536000, immutable'],
        ['a private nix-cache-info', '/team/nix-cache-info', 'public, max-age=300', 'private, max-age=300'],
        ['a cache older than incarnations, private', '/legacy/nix-cache-info', 'public', 'private'],
        ['an unknown cache counts as private', '/nosuch/nix-cache-info', 'public, max-age=60', 'private, max-age=60'],
        ['a public narinfo is unchanged', '/pub/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs.narinfo', 'public, max-age=300', 'public, max-age=300'],
        ['a public NAR is unchanged', '/pub/nar/x.nar.xz', 'public, max-age=31536000, immutable', 'public, max-age=31536000, immutable'],
        ['no-store stays no-store', '/team/nix-cache-info', 'no-store', 'no-store'],
        ['a value that only contains "public" later is unchanged', NARINFO, 'max-age=300, public', 'max-age=300, public'],
        ['"Public" is not "public" (the contract matches the word as written)', NARINFO, 'Public, max-age=300', 'Public, max-age=300'],
    ];
    for (const [name, uri, value, expected] of cases) {
        test(`${name}: ${value} -> ${expected}`, async () => {
            assert.deepEqual(await rewrite(uri, value), { value: expected });
        });
    }

    test('no Cache-Control: unchanged, and no read', async () => {
        assert.equal(await rewrite(NARINFO, undefined), undefined);
        assert.deepEqual(fn.reads, []);
    });

    test('nothing to rewrite: no read', async () => {
        await rewrite(NARINFO, 'no-store');
        assert.deepEqual(fn.reads, []);
    });

    test('something to rewrite: one read, of the cache', async () => {
        await rewrite(NARINFO, 'public, max-age=300');
        assert.deepEqual(fn.reads, ['c:team']);
    });

    test('repeated Cache-Control headers are each rewritten', async () => {
        assert.deepEqual(await rewrite(NAR, ['public, max-age=31536000', 'immutable']), {
            value: 'private, max-age=31536000',
            multiValue: [{ value: 'private, max-age=31536000' }, { value: 'immutable' }],
        });
        assert.deepEqual(await rewrite(NAR, ['immutable', 'public']), {
            value: 'immutable',
            multiValue: [{ value: 'immutable' }, { value: 'private' }],
        });
    });

    test('a store that cannot be read makes every response private', async () => {
        const failing = load(source(RESPONSE), { store: table.store, now: table.now, failReads: true });
        const event = responseEvent('/pub/nix-cache-info', 'public, max-age=300');
        const result = plain(await failing.handler(event));
        assert.deepEqual(result.headers['cache-control'], { value: 'private, max-age=300' });
    });
});
