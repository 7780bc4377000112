// nixfront viewer-response (CloudFront Functions, cloudfront-js-2.0): a private cache's objects leave
// CloudFront as "private", so no shared cache downstream (a proxy, a CI cache) keeps them for readers
// CloudFront would have refused. CloudFront itself still caches them, behind the viewer-request check.
// It runs after the response headers policy (the NARs' "public, max-age=31536000, immutable" is
// already there) and not at all for origin errors (400 and above), which carry no such header.
// It reads the cache's c: entry from the same KeyValueStore as viewer-request.js, and only when a
// Cache-Control starting with "public" is there to rewrite.
import cf from 'cloudfront';

const kvs = cf.kvs();

async function handler(event) {
    const response = event.response;
    const header = response.headers['cache-control'];
    if (header === undefined || !(isPublic(header) || (header.multiValue !== undefined && header.multiValue.some(isPublic)))) {
        return response;
    }
    if (await publicCache(event.request.uri)) {
        return response;
    }
    privatise(header);
    if (header.multiValue !== undefined) {
        header.multiValue.forEach(privatise);
    }
    return response;
}

function isPublic(header) {
    return header.value.startsWith('public');
}

function privatise(header) {
    if (isPublic(header)) {
        header.value = 'private' + header.value.slice('public'.length);
    }
}

// True only for a cache whose c: entry says public; an unknown or unreadable one counts as private,
// since "private" only ever costs a downstream cache a copy.
async function publicCache(uri) {
    const segment = /^\/([^\/]*)/.exec(uri);
    if (segment === null) {
        return false;
    }
    try {
        const cache = JSON.parse(await kvs.get('c:' + segment[1]));
        return cache !== null && typeof cache === 'object' && cache.p === false;
    } catch (e) {
        return false;
    }
}
