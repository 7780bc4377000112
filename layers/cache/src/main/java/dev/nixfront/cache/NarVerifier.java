package dev.nixfront.cache;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.NoSuchObjectException;
import dev.nixfront.cache.port.ObjectChangedException;
import dev.nixfront.cache.port.ObjectStore;
import dev.nixfront.cache.port.StoredObject;
import dev.nixfront.nix.NarInfo;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.compress.CompressionStreams;
import dev.nixfront.nix.io.HashingInputStream;
import dev.nixfront.nix.io.Streams;
import dev.nixfront.nix.nar.NarReader;
import dev.nixfront.nix.nar.NarSummary;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks an uploaded NAR file against its narinfo in one streamed pass, in constant memory: the
 * file's bytes hash to FileHash and count FileSize, they decompress to NarSize bytes hashing to
 * NarHash, and those bytes are a well-formed NAR. Reads never exceed what the narinfo announces
 * (plus one byte to notice more), so a decompression bomb costs no more than an honest file.
 */
final class NarVerifier {
    private static final int DRAIN_BUFFER = 1 << 16;

    private final ObjectStore objects;

    NarVerifier(ObjectStore objects) {
        this.objects = Objects.requireNonNull(objects);
    }

    /**
     * The object that was verified and the ETag it had, so a copy can insist on the same bytes.
     * {@code staged}: it is an upload in staging, still to be copied into {@code nar/}; otherwise it
     * is already there (published for another path with the same file, or by a concurrent publisher).
     */
    record Verified(StoredObject object, boolean staged) {}

    /**
     * Finds the file for {@code info} and verifies it: under {@code nar/} if the server already put
     * it there (it still has to match this narinfo's NarHash, NarSize and compression), else the
     * upload in staging. The read is conditional on the ETag the lookup saw, so the bytes checked
     * are the version that {@link Verified} names. Returns empty if the object vanished (another
     * publisher moved it) or was replaced between lookup and read: the caller looks again.
     */
    Optional<Verified> verify(CacheName cache, NarInfo info) throws VerificationFailure {
        String stagingKey = Layout.staging(cache, info.fileHash(), info.compression());
        String narKey = Layout.nar(cache, info.fileHash(), info.compression());
        boolean staged = false;
        Optional<StoredObject> found = objects.head(narKey);
        if (found.isEmpty()) {
            found = objects.head(stagingKey);
            staged = true;
        }
        if (found.isEmpty()) {
            // Two pushes of the same file share its staging key, and a concurrent publisher copies it
            // into nar/ before it deletes it: between our two looks it may have done both. Its copy
            // came first, so nar/ has the file now if staging lost it that way.
            found = objects.head(narKey);
            staged = false;
        }
        if (found.isEmpty()) {
            // Uploaded before the staging keys were sharded: a verify job queued then still finds it,
            // verifies it and copies it to the sharded NAR key like any staged file.
            found = objects.head(Layout.unshardedStaging(cache, info.fileHash(), info.compression()));
            staged = true;
        }
        if (found.isEmpty()) {
            throw new VerificationFailure("fileHash", "no NAR file was uploaded for FileHash " + info.fileHash()
                    + " (expected at " + stagingKey + "); upload it before publishing", "NotUploaded");
        }
        StoredObject object = found.get();
        if (object.size() != info.fileSize()) {
            throw new VerificationFailure("fileSize", "the uploaded NAR file has " + object.size()
                    + " bytes, not FileSize " + info.fileSize(), "FileSize");
        }
        try (InputStream raw = objects.get(object.key(), object.etag())) {
            check(new StoreStream(raw), info);
            return Optional.of(new Verified(object, staged));
        } catch (IOException e) {
            if (vanishedOrChanged(e)) {
                return Optional.empty();
            }
            if (isStoreFailure(e)) {
                throw new UncheckedIOException("reading " + object.key(), e);
            }
            throw new UncheckedIOException(e);
        }
    }

    /** The verification proper, on any stream of the file's bytes. */
    static void check(InputStream fileBytes, NarInfo info) throws VerificationFailure, IOException {
        HashingInputStream file = new HashingInputStream(new Limited(fileBytes, info.fileSize(), "file"));
        NarSummary nar = null;
        Exception problem = null;
        try {
            InputStream decompressed = CompressionStreams.decompress(info.compression(), new Unclosable(file));
            nar = NarReader.verify(new Limited(decompressed, info.narSize(), "nar"));
        } catch (NixFormatException e) {
            problem = e;
        } catch (IOException e) {
            if (isStoreFailure(e)) {
                throw e;
            }
            problem = e;
        }
        // Read the rest so FileHash covers the whole file even when the NAR broke off early:
        // a lying FileHash is reported as such, not as whatever garbage it points at.
        byte[] buffer = new byte[DRAIN_BUFFER];
        try {
            while (file.read(buffer) >= 0) {
                // hashing is the point
            }
        } catch (Limited.TooLong e) {
            throw new VerificationFailure("fileSize", "the NAR file is longer than FileSize " + info.fileSize(), "FileSize");
        }
        if (file.count() != info.fileSize()) {
            throw new VerificationFailure("fileSize", "the NAR file has " + file.count() + " bytes, not FileSize "
                    + info.fileSize(), "FileSize");
        }
        if (!file.hash().equals(info.fileHash())) {
            throw new VerificationFailure("fileHash", "the NAR file hashes to " + file.hash() + ", not FileHash "
                    + info.fileHash(), "FileHash");
        }
        if (problem instanceof Limited.TooLong t && t.what.equals("nar")) {
            throw new VerificationFailure("narSize", "the NAR is longer than NarSize " + info.narSize(), "NarSize");
        }
        if (problem instanceof NixFormatException e) {
            throw new VerificationFailure("nar", "not a well-formed NAR: " + e.field() + ": " + e.reason(), "MalformedNar");
        }
        if (problem != null) {
            throw new VerificationFailure("compression", "the file does not decompress as " + info.compression() + ": "
                    + problem.getMessage(), "Decompression");
        }
        if (nar.narSize() != info.narSize()) {
            throw new VerificationFailure("narSize", "the NAR has " + nar.narSize() + " bytes, not NarSize " + info.narSize(),
                    "NarSize");
        }
        if (!nar.narHash().equals(info.narHash())) {
            throw new VerificationFailure("narHash", "the NAR hashes to " + nar.narHash() + ", not NarHash " + info.narHash(),
                    "NarHash");
        }
    }

    /** An error of the object store (retryable, 5xx), as opposed to a decoder's complaint about the bytes. */
    static boolean isStoreFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreStream.Failure || t instanceof NoSuchObjectException || t instanceof ObjectChangedException) {
                return true;
            }
        }
        return false;
    }

    static boolean vanishedOrChanged(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchObjectException || t instanceof ObjectChangedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Marks I/O errors of the object store, so they are told apart from a decompressor's complaint
     * about corrupt data: the first is a retryable server error, the second a bad upload.
     */
    static final class StoreStream extends FilterInputStream {
        static final class Failure extends IOException {
            private static final long serialVersionUID = 1L;

            Failure(IOException cause) {
                super(cause.getMessage(), cause);
            }
        }

        StoreStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (NoSuchObjectException e) {
                throw e;
            } catch (IOException e) {
                throw new Failure(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (NoSuchObjectException e) {
                throw e;
            } catch (IOException e) {
                throw new Failure(e);
            }
        }
    }

    /** Fails once more than {@code limit} bytes come through. */
    private static final class Limited extends FilterInputStream {
        static final class TooLong extends IOException {
            private static final long serialVersionUID = 1L;

            final String what;

            TooLong(String what, long limit) {
                super("the " + what + " is longer than " + limit + " bytes");
                this.what = what;
            }
        }

        private final long limit;
        private final String what;
        private long count;

        Limited(InputStream in, long limit, String what) {
            super(in);
            this.limit = limit;
            this.what = what;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0 && ++count > limit) {
                throw new TooLong(what, limit);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, (int) Math.min(len, limit - count + 1));
            if (n > 0) {
                count += n;
                if (count > limit) {
                    throw new TooLong(what, limit);
                }
            }
            return n;
        }

        // Skipped bytes count too: read them rather than let the source seek past the limit.
        @Override
        public long skip(long n) throws IOException {
            return Streams.skipByReading(this, n);
        }
    }

    /** The decompressor must not close the file stream: it is drained and hashed afterwards. */
    private static final class Unclosable extends FilterInputStream {
        Unclosable(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // owned by the caller
        }
    }
}
