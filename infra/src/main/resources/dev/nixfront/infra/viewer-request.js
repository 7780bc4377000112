// nixfront viewer-request (CloudFront Functions, cloudfront-js-2.0): the read check of private caches.
// It runs before the cache on every read behaviour, so an object CloudFront cached for one reader is
// never served to another who fails the check; the cache key stays the path alone. The rules and the
// KeyValueStore entries (written by the admin function) are the private-cache contract, docs/deploy.md
// "Private caches (edge)"; infra/src/test/resources/dev/nixfront/infra/edge-cases.json pins them.
// It must stay a CloudFront Function (flat-rate plans take no Lambda@Edge), under 10 KB, and cheap:
// one KeyValueStore read for a public cache, two for a named token, three for an all-caches token.
import cf from 'cloudfront';
import crypto from 'crypto';

const kvs = cf.kvs();

// The cache names the API accepts. Everything else ("Team", "..", "_staging", "te%61m", "") names no
// cache, and S3 must never see it as one: 404 before any read.
const CACHE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Standard alphabet with its padding and nothing else: atob alone would also take missing padding
// and whitespace, which the contract refuses.
const BASE64 = /^[A-Za-z0-9+\/]*={0,2}$/;
// A dot segment, an empty one, or a separator in disguise: S3 takes keys literally, so these name no
// object of ours either way, but refused here they never reach the origin or the cache as another path.
const DISGUISED = /\/\.{0,2}(\/|$)|%2e|%2f|%5c|\\/i;
// Printable ASCII without the space, so the token's bytes, and its hash, are its characters.
const TOKEN = /^[\x21-\x7e]{1,1024}$/;

async function handler(event) {
    const request = event.request;
    const segment = /^\/([^\/]*)/.exec(request.uri);
    if (segment === null || !CACHE.test(segment[1]) || DISGUISED.test(request.uri.slice(segment[0].length))) {
        return refuse(404);
    }
    const name = segment[1];
    const cache = await entry('c:' + name);
    if (cache === null || typeof cache.p !== 'boolean' || typeof cache.i !== 'string') {
        // Unknown, deleted, not yet written, or unreadable: fail closed, even for a cache that was public.
        return refuse(404);
    }
    if (cache.p) {
        const token = credential(request.headers.authorization);
        if (token === null || !(await grants(token, name, cache))) {
            return refuse(401);
        }
    }
    // The origin needs no credential (OAC signs for S3), and a token must not travel further.
    delete request.headers.authorization;
    return request;
}

async function grants(token, name, cache) {
    const hash = crypto.createHash('sha256').update(token).digest('hex');
    let grant = await entry('t:' + hash + ':' + name);
    if (grant !== null) {
        // A token of a deleted cache must not open a new cache of the same name.
        if (typeof grant.i !== 'string' || grant.i !== cache.i) {
            return false;
        }
    } else {
        grant = await entry('t:' + hash + ':*');
        if (grant === null) {
            return false;
        }
    }
    // Date.now() is the start of this run (the runtime freezes it), which is all "now" needs to be.
    return typeof grant.e === 'number' && (grant.e === 0 || grant.e > Math.floor(Date.now() / 1000));
}

// The token of "Basic base64(login:token)" or "Bearer token", or null for anything else.
function credential(header) {
    if (header === undefined) {
        return null;
    }
    const parts = /^(basic|bearer) (.*)$/i.exec(header.value);
    if (parts === null) {
        return null;
    }
    // Spaces only, by hand: a regular expression would backtrack over a long run of them.
    let start = 0;
    let end = parts[2].length;
    while (start < end && parts[2][start] === ' ') {
        start++;
    }
    while (end > start && parts[2][end - 1] === ' ') {
        end--;
    }
    let token = parts[2].slice(start, end);
    if (parts[1].toLowerCase() === 'basic') {
        if (token.length === 0 || token.length % 4 !== 0 || !BASE64.test(token)) {
            return null;
        }
        // atob gives one character per byte, so a non-ASCII byte fails TOKEN below.
        const decoded = atob(token);
        const colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        token = decoded.slice(colon + 1);
    }
    return TOKEN.test(token) ? token : null;
}

// One KeyValueStore read. get() rejects for a missing key; a value that is not the JSON object the
// admin writes counts as missing too, which fails closed.
async function entry(key) {
    try {
        const value = JSON.parse(await kvs.get(key));
        return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
    } catch (e) {
        return null;
    }
}

function refuse(status) {
    const headers = { 'cache-control': { value: 'no-store' }, 'content-type': { value: 'text/plain' } };
    if (status === 401) {
        headers['www-authenticate'] = { value: 'Basic realm="nixfront"' };
        return { statusCode: 401, statusDescription: 'Unauthorized', headers: headers, body: 'a read token for this cache is required\n' };
    }
    return { statusCode: 404, statusDescription: 'Not Found', headers: headers, body: 'no such cache\n' };
}
