package dev.nixfront.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.Properties;
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
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!attributes.isRegularFile()) {
            return ReadServer.Origin.super.find(key, withBody);
        }
        Version version = Version.of(attributes);
        Remembered known = remembered.get(key);
        if (known == null || !known.version().equals(version)) {
            ReadServer.Found headers = ReadServer.Origin.super.find(key, false);
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
            return ReadServer.Origin.super.find(key, withBody);
        }
        if (!withBody) {
            return found;
        }
        FileChannel body;
        try {
            body = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            if (body.size() != found.length()) {
                // Replaced between the look and the open: the object s3proxy has now, through its API.
                body.close();
                return ReadServer.Origin.super.find(key, true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ReadServer.Found(found.stored(), found.length(), body);
    }
}
