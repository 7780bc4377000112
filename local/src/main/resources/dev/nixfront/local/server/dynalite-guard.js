'use strict'
// dynalite behind a SigV4 check: nixfront's DynaliteServer runs this program (`node - ARGS`, the
// program on stdin) instead of dynalite's cli.js. It builds dynalite's server with the options the
// CLI would give it and puts a check before dynalite's request handler: a request reaches dynalite
// only when its Authorization header is a SigV4 signature by this stack's own credentials, over
// this very request (method, path, query, signed headers, and the SHA-256 of the body), dated
// within 15 minutes. Anything else gets a DynamoDB-style 403 and never reaches the table.
//
// Arguments (nothing secret: /proc/<pid>/cmdline is world-readable):
//   --dynalite DIR  dynalite's package directory (local/node_modules/dynalite)
//   --host H --port N [--path DIR] [--createTableMs N] [--deleteTableMs N] [--updateTableMs N]
// Environment (readable by this user and root only), removed from process.env once read:
//   NIXFRONT_DYNALITE_ACCESS_KEY_ID, NIXFRONT_DYNALITE_SECRET_ACCESS_KEY
// Prints "... listening at: http://HOST:PORT" once it listens (DynaliteServer waits for that line).

const crypto = require('crypto')
const path = require('path')
const { Readable } = require('stream')

const KEY_ID_VARIABLE = 'NIXFRONT_DYNALITE_ACCESS_KEY_ID'
const SECRET_VARIABLE = 'NIXFRONT_DYNALITE_SECRET_ACCESS_KEY'
const ALGORITHM = 'AWS4-HMAC-SHA256'
const SERVICE = 'dynamodb'
const TERMINATOR = 'aws4_request'
// dynalite's own cap on a request body.
const MAX_REQUEST_BYTES = 16 * 1024 * 1024
// What DynamoDB allows between the signature's date and its own clock.
const MAX_SKEW_MS = 15 * 60 * 1000
const NUMBER_OPTIONS = [ 'createTableMs', 'deleteTableMs', 'updateTableMs' ]
const STRING_OPTIONS = [ 'dynalite', 'host', 'port', 'path' ]

function fail (message) {
  process.stderr.write('dynalite guard: ' + message + '\n')
  process.exit(2)
}

function parseArguments (argv) {
  const parsed = Object.create(null)
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : null
    if (name == null || i + 1 >= argv.length || (!NUMBER_OPTIONS.includes(name) && !STRING_OPTIONS.includes(name))) {
      fail('unexpected arguments: ' + argv.join(' '))
    }
    parsed[name] = NUMBER_OPTIONS.includes(name) ? Number(argv[i + 1]) : argv[i + 1]
  }
  for (const required of [ 'dynalite', 'host', 'port' ]) {
    if (parsed[required] == null) fail('--' + required + ' is required')
  }
  return parsed
}

function credentials () {
  const accessKeyId = process.env[KEY_ID_VARIABLE]
  const secretAccessKey = process.env[SECRET_VARIABLE]
  // Out of reach of anything dynalite might start; the kernel's copy in /proc/<pid>/environ is
  // readable by this user and root only.
  delete process.env[KEY_ID_VARIABLE]
  delete process.env[SECRET_VARIABLE]
  if (!accessKeyId || !secretAccessKey) {
    fail('no credentials in ' + KEY_ID_VARIABLE + ' and ' + SECRET_VARIABLE + ': refusing to serve a table anyone could write')
  }
  return { accessKeyId, secretAccessKey }
}

// "AWS4-HMAC-SHA256 Credential=ID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX"
function parseAuthorization (header) {
  if (typeof header !== 'string' || !header.startsWith(ALGORITHM + ' ')) return null
  const fields = Object.create(null)
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const equals = part.indexOf('=')
    if (equals < 0) return null
    const name = part.slice(0, equals).trim()
    if (name in fields) return null
    fields[name] = part.slice(equals + 1).trim()
  }
  if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) return null
  const scope = fields.Credential.split('/')
  if (scope.length !== 5) return null
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    terminator: scope[4],
    scope: scope.slice(1).join('/'),
    signedHeaders: fields.SignedHeaders,
    signature: fields.Signature,
  }
}

function sameText (a, b) {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && crypto.timingSafeEqual(left, right)
}

function sha256Hex (data) {
  return crypto.createHash('sha256').update(data).digest('hex')
}

function hmac (key, data) {
  return crypto.createHmac('sha256', key).update(data, 'utf8').digest()
}

// RFC 3986 unreserved characters stay, everything else is %XX (upper case), as SigV4 wants.
function uriEncode (text) {
  return encodeURIComponent(text).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

function decode (text) {
  try {
    return decodeURIComponent(text)
  } catch {
    return null
  }
}

// Services other than S3 sign each path segment encoded once more (the path as sent, encoded).
function canonicalPath (rawPath) {
  return rawPath.split('/').map(uriEncode).join('/') || '/'
}

function canonicalQuery (rawQuery) {
  if (!rawQuery) return ''
  const pairs = []
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue
    const equals = pair.indexOf('=')
    const name = decode(equals < 0 ? pair : pair.slice(0, equals))
    const value = decode(equals < 0 ? '' : pair.slice(equals + 1))
    if (name == null || value == null) return null
    pairs.push([ uriEncode(name), uriEncode(value) ])
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  return pairs.map(pair => pair[0] + '=' + pair[1]).join('&')
}

function canonicalHeaders (req, names) {
  const lines = []
  for (const name of names) {
    const values = req.headersDistinct[name]
    if (!values) return null
    lines.push(name + ':' + values.map(value => value.trim().replace(/\s+/g, ' ')).join(',') + '\n')
  }
  return lines.join('')
}

function amzDateMillis (text) {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '')
  if (!match) return NaN
  const [ , year, month, day, hour, minute, second ] = match.map(Number)
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

// What is wrong with the request's signature before its body is read, or null.
function checkHeaders (req, expected) {
  if (req.url.includes('X-Amz-Algorithm=')) {
    return [ 'UnrecognizedClientException', 'Presigned requests are not accepted here; sign the Authorization header.' ]
  }
  const authorization = parseAuthorization(req.headers.authorization)
  if (authorization == null) {
    return [ 'UnrecognizedClientException', 'The request is not signed with SigV4 (AWS4-HMAC-SHA256) by this nixfront local stack.' ]
  }
  if (!sameText(authorization.accessKeyId, expected.accessKeyId)) {
    return [ 'UnrecognizedClientException', 'The security token included in the request is invalid.' ]
  }
  const amzDate = req.headers['x-amz-date']
  const signedAt = amzDateMillis(amzDate)
  const names = authorization.signedHeaders.split(';')
  if (authorization.service !== SERVICE || authorization.terminator !== TERMINATOR || Number.isNaN(signedAt)
      || authorization.date !== amzDate.slice(0, 8) || !names.includes('host') || !names.includes('x-amz-date')
      || !/^[0-9a-f]{64}$/.test(authorization.signature)) {
    return [ 'InvalidSignatureException', 'The signature is malformed or does not sign Host and X-Amz-Date for dynamodb.' ]
  }
  if (Math.abs(Date.now() - signedAt) > MAX_SKEW_MS) {
    return [ 'InvalidSignatureException', 'Signature expired: ' + amzDate + ' is more than 15 minutes from now.' ]
  }
  req.nixfrontAuthorization = authorization
  return null
}

// What is wrong with the signature over the whole request, body included, or null.
function checkSignature (req, body, expected) {
  const authorization = req.nixfrontAuthorization
  const payloadHash = sha256Hex(body)
  const declared = req.headers['x-amz-content-sha256']
  if (declared != null && declared !== payloadHash) {
    return [ 'InvalidSignatureException', 'X-Amz-Content-Sha256 is not the SHA-256 of the body.' ]
  }
  const query = req.url.indexOf('?')
  const rawPath = query < 0 ? req.url : req.url.slice(0, query)
  const rawQuery = query < 0 ? '' : req.url.slice(query + 1)
  const names = authorization.signedHeaders.split(';')
  const headers = canonicalHeaders(req, names)
  const canonicalQueryString = canonicalQuery(rawQuery)
  if (headers == null || canonicalQueryString == null) {
    return [ 'InvalidSignatureException', 'A signed header is missing or the query string is malformed.' ]
  }
  const canonicalRequest = [ req.method, canonicalPath(rawPath), canonicalQueryString, headers,
    authorization.signedHeaders, payloadHash ].join('\n')
  const stringToSign = [ ALGORITHM, req.headers['x-amz-date'], authorization.scope, sha256Hex(canonicalRequest) ].join('\n')
  let key = hmac('AWS4' + expected.secretAccessKey, authorization.date)
  key = hmac(key, authorization.region)
  key = hmac(key, authorization.service)
  key = hmac(key, TERMINATOR)
  const signature = crypto.createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex')
  if (!sameText(signature, authorization.signature)) {
    return [ 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.' ]
  }
  return null
}

function refuse (req, res, [ type, message ]) {
  const body = JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#' + type, message })
  res.writeHead(403, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body, 'utf8'),
    'x-amzn-RequestId': crypto.randomUUID(),
  })
  res.end(body)
  // Whatever is left of the body is read and dropped, so the connection stays usable.
  req.resume()
}

// The request again, for dynalite's handler: the same head and the body already read.
function replay (req, body) {
  const copy = new Readable({ read () {} })
  copy.method = req.method
  copy.url = req.url
  copy.headers = req.headers
  copy.rawHeaders = req.rawHeaders
  copy.httpVersion = req.httpVersion
  copy.socket = req.socket
  if (body.length > 0) copy.push(body)
  copy.push(null)
  return copy
}

function guard (dynaliteHandler, expected) {
  return function (req, res) {
    // A client that goes away mid-request must not take the server down with it.
    req.on('error', () => {})
    const refusal = checkHeaders(req, expected)
    if (refusal) return refuse(req, res, refusal)
    const chunks = []
    let length = 0
    let tooLong = false
    req.on('data', chunk => {
      if (tooLong) return
      length += chunk.length
      if (length > MAX_REQUEST_BYTES) {
        tooLong = true
        res.writeHead(413, { Connection: 'close', 'Content-Length': 0 })
        res.end(() => req.socket.destroy())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (tooLong) return
      const body = Buffer.concat(chunks, length)
      const wrong = checkSignature(req, body, expected)
      if (wrong) return refuse(req, res, wrong)
      dynaliteHandler(replay(req, body), res)
    })
  }
}

function main () {
  const options = parseArguments(process.argv.slice(2))
  const expected = credentials()
  const dynalite = require(path.resolve(options.dynalite))
  const dynaliteOptions = { path: options.path }
  for (const name of NUMBER_OPTIONS) {
    if (options[name] != null) dynaliteOptions[name] = options[name]
  }
  const server = dynalite(dynaliteOptions)
  const handlers = server.listeners('request')
  if (handlers.length !== 1) {
    // Fail closed: a dynalite that wires requests otherwise must not be served unchecked.
    fail('dynalite\'s server has ' + handlers.length + ' request handlers, expected 1: not serving it')
  }
  server.removeAllListeners('request')
  server.on('request', guard(handlers[0], expected))
  server.on('error', error => fail('cannot listen on ' + options.host + ':' + options.port + ': ' + (error.code || '') + ' ' + error.message))
  server.listen(Number(options.port), options.host, () => {
    process.stdout.write('dynalite (SigV4-checked) listening at: http://' + options.host + ':' + server.address().port + '\n')
  })
}

main()
