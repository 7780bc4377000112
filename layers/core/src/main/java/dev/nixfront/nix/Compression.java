package dev.nixfront.nix;

/**
 * The {@code Compression} values of a narinfo, with the file extension binary caches put after
 * {@code .nar} (Nix's own {@code nix copy --to file://} writes {@code nar/<filehash>.nar.xz}).
 * nixfront accepts uploads only in {@link #NONE}, {@link #XZ} and {@link #ZSTD}: the ones it can
 * decompress to verify a NAR in constant memory; the others are still parsed, since another cache
 * may serve them.
 */
public enum Compression {
    NONE("none", ""),
    XZ("xz", ".xz"),
    ZSTD("zstd", ".zst"),
    BZIP2("bzip2", ".bz2"),
    GZIP("gzip", ".gz"),
    BR("br", ".br"),
    LZ4("lz4", ".lz4"),
    LZIP("lzip", ".lz");

    private final String narInfoName;
    private final String fileExtension;

    Compression(String narInfoName, String fileExtension) {
        this.narInfoName = narInfoName;
        this.fileExtension = fileExtension;
    }

    /** The value of the narinfo {@code Compression} field. */
    public String narInfoName() {
        return narInfoName;
    }

    /** What follows {@code .nar} in a NAR file name: empty for {@link #NONE}, else e.g. {@code .zst}. */
    public String fileExtension() {
        return fileExtension;
    }

    public boolean supportedForUpload() {
        return this == NONE || this == XZ || this == ZSTD;
    }

    /** Parses a narinfo {@code Compression} value; exact, lower-case names only, as Nix. */
    public static Compression parse(String name) throws NixFormatException {
        for (Compression c : values()) {
            if (c.narInfoName.equals(name)) {
                return c;
            }
        }
        throw new NixFormatException("Compression", "unknown compression " + (name == null ? "null" : Text.quote(name))
                + ", expected one of none, xz, zstd, bzip2, gzip, br, lz4, lzip");
    }

    @Override
    public String toString() {
        return narInfoName;
    }
}
