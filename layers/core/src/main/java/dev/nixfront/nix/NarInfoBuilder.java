package dev.nixfront.nix;

import dev.nixfront.nix.sign.NarSignature;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** Builds a {@link NarInfo} field by field; {@link #build()} validates as the record's constructor does. */
public final class NarInfoBuilder {
    private final StorePath storePath;
    private String url;
    private Compression compression;
    private Hash fileHash;
    private long fileSize;
    private Hash narHash;
    private long narSize;
    private List<StorePath> references = List.of();
    private StorePath deriver;
    private List<NarSignature> sigs = List.of();
    private String ca;

    NarInfoBuilder(StorePath storePath) {
        this.storePath = Objects.requireNonNull(storePath, "storePath");
    }

    public NarInfoBuilder url(String url) {
        this.url = url;
        return this;
    }

    public NarInfoBuilder compression(Compression compression) {
        this.compression = compression;
        return this;
    }

    public NarInfoBuilder fileHash(Hash fileHash) {
        this.fileHash = fileHash;
        return this;
    }

    public NarInfoBuilder fileSize(long fileSize) {
        this.fileSize = fileSize;
        return this;
    }

    public NarInfoBuilder narHash(Hash narHash) {
        this.narHash = narHash;
        return this;
    }

    public NarInfoBuilder narSize(long narSize) {
        this.narSize = narSize;
        return this;
    }

    public NarInfoBuilder references(Collection<StorePath> references) {
        this.references = List.copyOf(references);
        return this;
    }

    public NarInfoBuilder deriver(StorePath deriver) {
        this.deriver = deriver;
        return this;
    }

    public NarInfoBuilder sigs(Collection<NarSignature> sigs) {
        this.sigs = List.copyOf(sigs);
        return this;
    }

    public NarInfoBuilder ca(String ca) {
        this.ca = ca;
        return this;
    }

    public NarInfo build() {
        return new NarInfo(storePath, url, compression, fileHash, fileSize, narHash, narSize, references, deriver, sigs, ca);
    }
}
