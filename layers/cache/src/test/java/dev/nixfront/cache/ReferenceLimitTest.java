package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.nix.StorePath;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A path's references are bounded in bytes, so its index item stays well under DynamoDB's 400 KB. */
class ReferenceLimitTest {
    private final Fixture f = new Fixture();

    /** Distinct valid basenames whose lengths plus one sum to exactly {@code bytes}. */
    private static List<String> referencesOf(int bytes) {
        List<String> references = new ArrayList<>();
        int left = bytes;
        for (int i = 0; left > 0; i++) {
            String name = "dep-" + i;
            int size = Fixture.storePath(name).baseName().length() + 1;
            if (left - size < 80) {
                // The last one takes what is left, so the total lands exactly on the target.
                name = name + "x".repeat(left - size);
            }
            String reference = Fixture.storePath(name).baseName();
            references.add(reference);
            left -= reference.length() + 1;
        }
        assertThat(references.stream().mapToInt(r -> r.length() + 1).sum()).isEqualTo(bytes);
        return references;
    }

    private static PathInfo withReferences(PathInfo i, List<String> references) {
        return new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), references,
                i.deriver(), i.ca());
    }

    @Test
    void aPathAtTheLimitPassesValidationAndEveryReferenceIsLookedUp() {
        f.createCache("team");
        Fixture.Nar app = nar("app");
        f.uploadAll("team", app);
        List<String> references = referencesOf(PathInfos.MAX_REFERENCE_BYTES);
        assertThat(references).hasSizeGreaterThan(2_000);

        // Past validation, the reference check runs: none of them is published, and it says so,
        // naming the first thousand (a narinfo keeps its references sorted) and counting them all.
        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team",
                new PublishRequest(List.of(withReferences(app.info(), references)))))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.missing()).containsExactlyElementsOf(references.stream().sorted().limit(ApiError.MAX_MISSING).toList());
                    assertThat(e.missingCount()).isEqualTo(references.size());
                });
    }

    @Test
    void oneByteOverTheLimitIsA400NamingTheReferencesBeforeAnythingIsWritten() {
        f.createCache("team");
        Fixture.Nar lib = nar("lib");
        Fixture.Nar app = nar("app");
        f.uploadAll("team", lib, app);
        List<String> references = referencesOf(PathInfos.MAX_REFERENCE_BYTES + 1);
        List<String> objectsBefore = f.objects.writes();

        assertThatThrownBy(() -> f.services.publish().publish(ADMIN, "team",
                new PublishRequest(List.of(lib.info(), withReferences(app.info(), references)))))
                .isInstanceOfSatisfying(DomainException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.field()).isEqualTo("paths[1].references");
                    assertThat(e.reason()).contains(references.size() + " references of " + (PathInfos.MAX_REFERENCE_BYTES + 1) + " bytes")
                            .contains("at most " + PathInfos.MAX_REFERENCE_BYTES);
                });
        // Not even the valid path before it: validation of the whole batch comes first.
        assertThat(f.objects.writes()).isEqualTo(objectsBefore);
        assertThat(f.paths.writes()).isEmpty();
    }

    @Test
    void thousandsOfShortReferencesFitWhereTheLongestPossibleNamesAreCut() {
        // The bound is in bytes: what matters to the item is the text, not the count.
        String shortest = Fixture.storePath("a").baseName();
        String longest = Fixture.storePath("x".repeat(StorePath.MAX_NAME_LENGTH)).baseName();
        assertThat(PathInfos.MAX_REFERENCE_BYTES / (shortest.length() + 1)).isGreaterThan(5_000);
        assertThat(PathInfos.MAX_REFERENCE_BYTES / (longest.length() + 1)).isBetween(800, 1_000);
        // Half of DynamoDB's 400 KB item: the other attributes of a path item are bounded by Nix's syntax.
        assertThat(PathInfos.MAX_REFERENCE_BYTES).isLessThanOrEqualTo(400 * 1024 / 2);
    }
}
