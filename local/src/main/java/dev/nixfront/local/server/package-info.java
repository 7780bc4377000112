/**
 * The AWS stand-ins of the local stack, each started and stopped from Java:
 * <pre>
 * S3ProxyServer   s3proxy 4.1 in this JVM, files under DIR/s3/&lt;bucket&gt;/&lt;key&gt;, SigV4 enforced
 *                 (wrong secret: 403; presigned URL past expiry: 403; body whose SHA-256 differs
 *                 from the signed x-amz-checksum-sha256: 400 BadDigest), http://127.0.0.1:&lt;port&gt;
 * DynaliteServer  node - --dynalite local/node_modules/dynalite --host 127.0.0.1 --port &lt;port&gt;
 *                 --path DIR/dynamodb ... &lt; dynalite-guard.js: dynalite behind a SigV4 check of
 *                 the stack's credentials (given in the environment); anything else: 403
 * </pre>
 * Both bind 127.0.0.1 only and both demand the stack's credentials: a port on 127.0.0.1 is open to
 * every user of the machine. Readiness is polled with a deadline (s3proxy's Jetty state; dynalite's
 * "listening at" line, then an unsigned ListTables refused and a signed one answered), never waited
 * for by sleeping.
 */
package dev.nixfront.local.server;
