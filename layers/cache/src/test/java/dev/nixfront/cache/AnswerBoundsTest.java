package dev.nixfront.cache;

import static dev.nixfront.cache.Fixture.ADMIN;
import static dev.nixfront.cache.Fixture.nar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.nixfront.api.ApiError;
import dev.nixfront.api.Json;
import dev.nixfront.api.MissingRequest;
import dev.nixfront.api.MissingResponse;
import dev.nixfront.api.PathInfo;
import dev.nixfront.api.PublishRequest;
import dev.nixfront.api.PublishResponse;
import dev.nixfront.api.PublishResult;
import dev.nixfront.nix.StorePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Publish does bounded work and every answer fits Lambda's 6 MB response by construction. The
 * attack of issue 9: 45 paths of 2,100 unknown references each (94,500) cost 94,500 index reads,
 * 17 s and a 7-18 MB 409, which Lambda cannot even return.
 */
class AnswerBoundsTest {
    private static final long LAMBDA_RESPONSE_LIMIT = 6L * 1024 * 1024;
    private static final int PATHS = 45;
    private static final int REFERENCES = 2_100;

    private final Fixture f = new Fixture();

    private static int bytes(Object answer) {
        return Json.write(answer).getBytes(StandardCharsets.UTF_8).length;
    }

    /** A reference whose name is padded to 60 characters: 2,100 of them are just under the byte bound. */
    private static String reference(String id) {
        String name = id + "-" + "x".repeat(59 - id.length());
        return Fixture.storePath(name).baseName();
    }

    private static PathInfo withReferences(PathInfo i, List<String> references) {
        return new PathInfo(i.storePath(), i.narHash(), i.narSize(), i.fileHash(), i.fileSize(), i.compression(), references,
                i.deriver(), i.ca());
    }

    private ApiError refusal(List<PathInfo> infos) {
        DomainException e = catchThrowableOfType(DomainException.class,
                () -> f.services.publish().publish(ADMIN, "team", new PublishRequest(infos)));
        assertThat(e).as("publish was refused").isNotNull();
        return e.toApiError();
    }

    @Test
    void fortyFivePathsOfTheSame2100UnknownReferencesAnswerA409UnderOneMegabyte() {
        f.createCache("team");
        List<String> references = IntStream.range(0, REFERENCES).mapToObj(i -> reference("r" + i)).toList();
        assertThat(references.stream().mapToInt(r -> r.length() + 1).sum()).isLessThanOrEqualTo(PathInfos.MAX_REFERENCE_BYTES);
        List<PathInfo> infos = IntStream.range(0, PATHS).mapToObj(i -> withReferences(nar("p" + i).info(), references)).toList();

        ApiError answer = refusal(infos);

        assertThat(answer.error()).isEqualTo("conflict");
        assertThat(answer.missing()).containsExactlyElementsOf(references.stream().sorted().limit(ApiError.MAX_MISSING).toList());
        assertThat(answer.missingCount()).isEqualTo(REFERENCES);
        assertThat(answer.reason()).doesNotContain(references.getFirst());
        assertThat(bytes(answer)).isLessThan(1_000_000);
        // Deduplicated: each distinct hash is read once, not once per referrer.
        assertThat(f.paths.keysRead()).isLessThanOrEqualTo(PATHS + REFERENCES);
    }

    @Test
    void fortyFivePathsOf2100DistinctUnknownReferencesAreRefusedBeforeAnyIndexRead() {
        f.createCache("team");
        List<PathInfo> infos = IntStream.range(0, PATHS).mapToObj(i -> withReferences(nar("p" + i).info(),
                IntStream.range(0, REFERENCES).mapToObj(j -> reference("p" + i + "r" + j)).toList())).toList();

        ApiError answer = refusal(infos);

        assertThat(answer.error()).isEqualTo("too_many");
        assertThat(answer.field()).isEqualTo("paths");
        assertThat(answer.reason()).contains("at most " + References.MAX_DISTINCT + " distinct references");
        assertThat(bytes(answer)).isLessThan(1_000_000);
        assertThat(f.paths.keysRead()).isZero();
    }

    @Test
    void theLargest409FitsLambdasResponse() {
        // The most a 409 can name: a thousand references with the longest names Nix allows.
        List<String> longest = IntStream.range(0, ApiError.MAX_MISSING)
                .mapToObj(i -> Fixture.storePath(i + "x".repeat(StorePath.MAX_NAME_LENGTH - String.valueOf(i).length())).baseName())
                .toList();
        assertThat(longest).allMatch(b -> b.length() == 33 + StorePath.MAX_NAME_LENGTH);
        String reason = "references not published in cache " + "c".repeat(63) + " nor in this batch: "
                + Integer.MAX_VALUE + " (" + Integer.MAX_VALUE + " still verifying); missing names the first 1000";
        ApiError worst = new ApiError("conflict", "paths[199].references", reason, longest, Integer.MAX_VALUE);

        assertThat(bytes(worst)).isLessThan(1_000_000).isLessThan((int) LAMBDA_RESPONSE_LIMIT);
    }

    @Test
    void theLargestPublishAndMissingAnswersFitLambdasResponse() {
        List<PublishResult> results = new ArrayList<>();
        for (int i = 0; i < PublishRequest.MAX; i++) {
            String name = i + "x".repeat(StorePath.MAX_NAME_LENGTH - String.valueOf(i).length());
            results.add(new PublishResult(Fixture.storePath(name).toString(), "verifying"));
        }
        assertThat(bytes(new PublishResponse(results))).isLessThan(1_000_000);

        List<String> hashes = Collections.nCopies(MissingRequest.MAX, Fixture.storePath("a").hash().value());
        assertThat(bytes(new MissingResponse(hashes))).isLessThan(1_000_000);
    }
}
