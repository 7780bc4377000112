// Loads a CloudFront Function the way the cloudfront-js-2.0 runtime does, as far as node can: the file
// as it is deployed, its `import x from 'module';` lines bound to stand-ins of the only modules the
// tests allow it ('cloudfront' with a KeyValueStore, 'crypto' with the runtime's hashes), run in a
// fresh V8 context that has the runtime's globals and none of node's (no require, process, fetch,
// global crypto), no eval or Function constructor, and a Date frozen at the start of the run.
//
// References: "JavaScript runtime 2.0 features for CloudFront Functions" (globals atob/btoa, Buffer,
// crypto createHash/createHmac with md5, sha1, sha256 and hex/base64/base64url digests),
// "Helper methods for key value stores" (cf.kvs(), get() rejects for a missing key), and
// "Quotas on CloudFront Functions" (10 KB per function).
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

/** CloudFront's maximum function size, in bytes of the code as deployed (comments included). */
export const FUNCTION_SIZE_LIMIT = 10 * 1024;

/** CloudFront's maximum size of a KeyValueStore key, in bytes. */
export const KEY_SIZE_LIMIT = 512;

const RESOURCES = new URL('../../main/resources/dev/nixfront/infra/', import.meta.url);
const IMPORT = /^import\s+([A-Za-z_$][\w$]*)\s+from\s+'([^']+)';[ \t]*$/;
const HASHES = new Set(['md5', 'sha1', 'sha256']);
const DIGESTS = new Set(['hex', 'base64', 'base64url']);

/** The deployed text of a function in src/main/resources/dev/nixfront/infra. */
export function source(file) {
    return readFileSync(new URL(file, RESOURCES), 'utf8');
}

/**
 * A loaded function: `handler(event)`, the modules it imported, and `reads`, the KeyValueStore keys
 * it asked for since the last `reads.length = 0`.
 *
 * @param text   the function's source
 * @param store  the KeyValueStore's content, key to string value
 * @param now    epoch seconds that Date returns during the run
 * @param failReads make every KeyValueStore read reject, as an unreachable store would
 */
export function load(text, { store, now, failReads = false, file = 'function.js' }) {
    const reads = [];
    const modules = {
        cloudfront: cloudfront(store, reads, failReads),
        crypto: runtimeCrypto(),
    };
    const imports = [];
    const lines = text.split('\n').map((line, index) => {
        const match = IMPORT.exec(line);
        if (match === null) {
            if (/^\s*(import|export)\b/.test(line)) {
                throw new Error(`${file}:${index + 1}: only "import name from 'module';" is supported: ${line}`);
            }
            return line;
        }
        const [, name, module] = match;
        if (!Object.hasOwn(modules, module)) {
            throw new Error(`${file}:${index + 1}: imports '${module}', which the tests do not offer a CloudFront Function`);
        }
        imports.push(module);
        // Same line count, so a stack trace points at the deployed file's lines.
        return `const ${name} = __import('${module}');`;
    });
    if (/\brequire\s*\(/.test(text)) {
        throw new Error(`${file}: uses require(); the functions load their modules with import`);
    }
    const context = vm.createContext({
        __import: (module) => modules[module],
        atob,
        btoa,
        Buffer,
        TextEncoder,
        TextDecoder,
        console: { log: (message) => console.log(`[${file}] ${message}`) },
    }, { codeGeneration: { strings: false, wasm: false } });
    vm.runInContext(`(() => {
        const Real = Date;
        const NOW = ${now * 1000};
        class FrozenDate extends Real {
            constructor(...args) { if (args.length === 0) { super(NOW); } else { super(...args); } }
            static now() { return NOW; }
        }
        globalThis.Date = FrozenDate;
    })();`, context);
    const handler = vm.runInContext(lines.join('\n') + '\n;typeof handler === "function" ? handler : undefined;', context, { filename: file });
    if (handler === undefined) {
        throw new Error(`${file}: defines no function named handler`);
    }
    return { handler, imports, reads };
}

function cloudfront(store, reads, failReads) {
    const handle = {
        async get(key, options) {
            reads.push(key);
            if (failReads) {
                throw new Error('KeyValueStore unavailable');
            }
            if (typeof key !== 'string' || Buffer.byteLength(key) > KEY_SIZE_LIMIT) {
                throw new Error(`invalid key: ${key}`);
            }
            if (!Object.hasOwn(store, key)) {
                throw new Error(`Key ${key} not found`);
            }
            const format = options === undefined || options.format === undefined ? 'string' : options.format;
            switch (format) {
                case 'string': return store[key];
                case 'json': return JSON.parse(store[key]);
                case 'bytes': return Buffer.from(store[key], 'utf8');
                default: throw new Error(`unknown format ${format}`);
            }
        },
        async exists(key) {
            reads.push(key);
            if (failReads) {
                throw new Error('KeyValueStore unavailable');
            }
            return Object.hasOwn(store, key);
        },
    };
    // A function has at most one store; cf.kvs() is it, cf.kvs(id) names it.
    return { kvs: () => handle };
}

function runtimeCrypto() {
    const digester = (inner) => ({
        update(data) {
            inner.update(data);
            return this;
        },
        digest(encoding) {
            if (encoding === undefined) {
                return inner.digest();
            }
            if (!DIGESTS.has(encoding)) {
                throw new Error(`digest encoding ${encoding} is not offered by the runtime`);
            }
            return inner.digest(encoding);
        },
    });
    const check = (algorithm) => {
        if (!HASHES.has(algorithm)) {
            throw new Error(`hash ${algorithm} is not offered by the runtime`);
        }
    };
    return {
        createHash(algorithm) {
            check(algorithm);
            return digester(createHash(algorithm));
        },
        createHmac(algorithm, key) {
            check(algorithm);
            return digester(createHmac(algorithm, key));
        },
    };
}
