/**
 * {@code nixfront watch-store}: pushes store paths as they become valid, from two sources.
 * <ul>
 *   <li>The store itself: Nix holds {@code /nix/store/<hash>-<name>.lock} while it builds or
 *       substitutes a path and deletes it once the path is registered valid, so a deleted lock
 *       names a new path ({@link StoreWatcher}, inotify through {@link java.nio.file.WatchService}).</li>
 *   <li>A queue directory that a {@code post-build-hook} writes one file into per build, e.g.
 *       {@code 1764555360123456789.4711} holding
 *       <pre>
 * /nix/store/0c6kzph7l0dcbqmh0kcms1rcb0d1k5xs-hello-2.12
 * /nix/store/9x4vw8j0aq8r1swc4cx1hb2zjsgqq3mh-hello-2.12-man</pre>
 *       The hook only writes a file (it blocks Nix's build loop while it runs); the file is deleted
 *       once its paths are pushed, so paths queued while the watcher was down are pushed when it
 *       starts again.</li>
 * </ul>
 * {@link WatchLoop} batches bursts, drops paths that are not valid, pushes each batch with its
 * closure (what the cache has is skipped), retries with backoff across network errors and server
 * restarts, and stops cleanly when asked to (SIGTERM).
 */
package dev.nixfront.cli.watch;
