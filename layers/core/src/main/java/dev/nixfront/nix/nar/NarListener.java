package dev.nixfront.nix.nar;

import java.io.IOException;

/**
 * Hears about each node as {@link NarReader} walks a NAR, in archive order (a directory before its
 * entries, entries sorted). Paths are relative to the root, segments joined by {@code /}, the root
 * itself being {@code ""}; names are decoded as UTF-8 for display (NAR names are raw bytes). Every
 * method defaults to doing nothing. A listener may be called for nodes of a NAR that turns out to
 * be invalid later on, so act on what it collected only once the read has returned.
 */
public interface NarListener {
    NarListener NONE = new NarListener() {};

    default void directory(String path) throws IOException {}

    /**
     * A regular file; {@code contentsOffset} is where its contents start in the NAR (the
     * {@code narOffset} of a {@code .ls} listing).
     */
    default void regular(String path, boolean executable, long size, long contentsOffset) throws IOException {}

    default void symlink(String path, String target) throws IOException {}
}
