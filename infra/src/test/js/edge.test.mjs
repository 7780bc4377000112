// The edge half of private caches, run by `node --test infra/src/test/js/` (Maven runs it in infra's
// test phase). viewer-request.js is judged against the shared case table, edge-cases.json, which the
// local (Java) implementation runs too; the edge's own fail-closed details against the cases below.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { FUNCTION_SIZE_LIMIT, KEY_SIZE_LIMIT, load, source } from './cloudfront-runtime.mjs';

const table = JSON.parse(readFileSync(new URL('../resources/dev/nixfront/infra/edge-cases.json', import.meta.url), 'utf8'));
const REQUEST = 'viewer-request.js';

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
    for (const file of [REQUEST]) {
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
            assert.deepEqual(Object.keys(c), ['name', 'method', 'uri', 'headers', 'expect'], c.name);
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
    const fn = load(source(REQUEST), { store: table.store, now: table.now, file: REQUEST });
    for (const c of table.cases) {
        test(`${c.method} ${c.uri.length > 60 ? c.uri.slice(0, 57) + '...' : c.uri}: ${c.name} -> ${c.expect}`, async () => {
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

    test('a cache entry that is not the admin\'s JSON counts as missing', async () => {
        for (const value of ['', 'public', 'null', '[]', '{"p":']) {
            const fn = load(source(REQUEST), { store: { ...table.store, 'c:pub': value }, now: table.now });
            await expectOutcome(fn, 'GET', '/pub/nix-cache-info', {}, 404);
        }
    });

    test('a cache entry without p is private', async () => {
        const fn = load(source(REQUEST), { store: { ...table.store, 'c:pub': '{"i":"00000000000000a1"}' }, now: table.now });
        await expectOutcome(fn, 'GET', '/pub/nix-cache-info', {}, 401);
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
