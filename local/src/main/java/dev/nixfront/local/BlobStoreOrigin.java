package dev.nixfront.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.blobstore.BlobStore;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The read server's origin in the local stack: s3proxy's blob store, read in this JVM as
 * CloudFront reads S3, without SigV4 and Jetty in between. s3proxy keeps an object as one file,
 * {@code <dir>/<bucket>/<key>}, and its headers in extended attributes, which its API reads with
 * an open and a close per attribute (a dozen of each per object). So, like CloudFront's cache,
 * this remembers an object's headers, for as long as its file is the same file (same inode,
 * modification time and size: s3proxy writes a new file and renames it over the old one), and
 * sends the body straight from the file, with sendfile.
 *
 * <p>s3proxy's API stays the authority: the headers come from it, and a file that is not the
 * object's bytes (its size is not the object's length: an object s3proxy keeps some other way)
 * is served through its API instead.
 */
final class BlobStoreOrigin implements ReadServer.Origin, AutoCloseable {
    /** Enough for every object of a large local cache; past it the memory starts again. */
    private static final int MAX_REMEMBERED = 100_000;
    /** How Linux says that a path cannot name a file (strerror of ENOTDIR, ENAMETOOLONG, ELOOP). */
    private static final Set<String> NO_SUCH_NAME = Set.of("Not a directory", "File name too long", "Too many levels of symbolic links");

    /** Which file an object's remembered headers were read for. */
    private record Version(Object fileKey, FileTime modified, long size) {
        static Version of(BasicFileAttributes attributes) {
            return new Version(attributes.fileKey(), attributes.lastModifiedTime(), attributes.size());
        }
    }

    private record Remembered(Version version, ReadServer.Found found) {}

    private final BlobStore blobs;
    private final String bucket;
    private final Path bucketDirectory;
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    private BlobStoreOrigin(BlobStore blobs, Path s3Directory, String bucket) {
        this.blobs = blobs;
        this.bucket = bucket;
        this.bucketDirectory = s3Directory.resolve(bucket);
    }

    /** @param s3Directory the directory s3proxy's filesystem store was started on */
    static BlobStoreOrigin open(Path s3Directory, String bucket) {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", s3Directory.toAbsolutePath().toString());
        return new BlobStoreOrigin(BlobStores.create("filesystem", properties), s3Directory.toAbsolutePath(), bucket);
    }

    @Override
    public void close() {
        blobs.close();
    }

    @Override
    public ResponseInputStream<GetObjectResponse> get(String key) {
        return blobs.getBlob(bucket, key);
    }

    @Override
    public HeadObjectResponse head(String key) {
        return blobs.blobMetadata(bucket, key);
    }

    /** @param key a key {@link ReadServer#keyOf} accepted: no empty, dot or dot-dot segment, no backslash */
    @Override
    public ReadServer.Found find(String key, boolean withBody) {
        Path file = bucketDirectory.resolve(key);
        BasicFileAttributes attributes = io(() -> Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        if (attributes == null) {
            return null;
        }
        if (!attributes.isRegularFile()) {
            return viaApi(key, withBody);
        }
        Version version = Version.of(attributes);
        Remembered known = remembered.get(key);
        if (known == null || !known.version().equals(version)) {
            ReadServer.Found headers = viaApi(key, false);
            if (headers == null) {
                return null;
            }
            known = new Remembered(version, headers);
            if (remembered.size() >= MAX_REMEMBERED) {
                remembered.clear();
            }
            remembered.put(key, known);
        }
        ReadServer.Found found = known.found();
        if (found.length() != version.size()) {
            return viaApi(key, withBody);
        }
        if (!withBody) {
            return found;
        }
        FileChannel body = io(() -> FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        if (body == null) {
            return null;
        }
        boolean same = false;
        try {
            Long size = io(body::size);
            same = size != null && size == found.length();
        } finally {
            if (!same) {
                // Replaced between the look and the open: the object s3proxy has now, through its API.
                io(() -> {
                    body.close();
                    return null;
                });
            }
        }
        return same ? new ReadServer.Found(found.stored(), found.length(), body) : viaApi(key, true);
    }

    /**
     * The object through s3proxy's API, without the metadata s3proxy adds of its own
     * ({@code s3proxy_checksum_*}): S3 behind CloudFront sends no such header, so neither does this.
     */
    private ReadServer.Found viaApi(String key, boolean withBody) {
        ReadServer.Found found = ReadServer.Origin.super.find(key, withBody);
        if (found == null || found.stored().userMetadata() == null
                || found.stored().userMetadata().keySet().stream().noneMatch(BlobStoreOrigin::standIns)) {
            return found;
        }
        Map<String, String> metadata = new TreeMap<>(found.stored().userMetadata());
        metadata.keySet().removeIf(BlobStoreOrigin::standIns);
        ReadServer.Stored stored = found.stored();
        return new ReadServer.Found(new ReadServer.Stored(stored.contentType(), stored.cacheControl(), stored.etag(), stored.contentEncoding(),
                stored.contentDisposition(), stored.contentLanguage(), metadata), found.length(), found.body());
    }

    private static boolean standIns(String metadataKey) {
        return metadataKey.toLowerCase(Locale.ROOT).startsWith("s3proxy_");
    }

    private interface FileCall<T> {
        T call() throws IOException;
    }

    /** The call's answer, null when the file is not there (or cannot be), unchecked for any other failure (the server's 503). */
    private static <T> T io(FileCall<T> call) {
        try {
            return call.call();
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (FileSystemException e) {
            // A key whose parent is a file (team/nix-cache-info/x), or too long for a file name, names
            // nothing either: a miss, not the 503 of an origin that failed.
            if (NO_SUCH_NAME.contains(e.getReason())) {
                return null;
            }
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
