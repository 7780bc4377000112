package dev.nixfront.infra;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Reads a {@link DeploymentConfig} from the CDK context ({@code cdk.json} or {@code -c
 * nixfront:key=value}) and the environment the CDK CLI passes: every option once, checked, with a
 * message naming the {@code nixfront:} key that is wrong.
 */
final class DeploymentContext {
    private static final Map<Integer, RetentionDays> RETENTION_BY_DAYS = new TreeMap<>(Map.ofEntries(
            Map.entry(1, RetentionDays.ONE_DAY), Map.entry(3, RetentionDays.THREE_DAYS),
            Map.entry(5, RetentionDays.FIVE_DAYS), Map.entry(7, RetentionDays.ONE_WEEK),
            Map.entry(14, RetentionDays.TWO_WEEKS), Map.entry(30, RetentionDays.ONE_MONTH),
            Map.entry(60, RetentionDays.TWO_MONTHS), Map.entry(90, RetentionDays.THREE_MONTHS),
            Map.entry(120, RetentionDays.FOUR_MONTHS), Map.entry(150, RetentionDays.FIVE_MONTHS),
            Map.entry(180, RetentionDays.SIX_MONTHS), Map.entry(365, RetentionDays.ONE_YEAR),
            Map.entry(400, RetentionDays.THIRTEEN_MONTHS), Map.entry(545, RetentionDays.EIGHTEEN_MONTHS),
            Map.entry(731, RetentionDays.TWO_YEARS), Map.entry(1096, RetentionDays.THREE_YEARS),
            Map.entry(1827, RetentionDays.FIVE_YEARS), Map.entry(3653, RetentionDays.TEN_YEARS)));

    private DeploymentContext() {
    }

    static DeploymentConfig read(Function<String, Object> context, Map<String, String> env) {
        Context c = new Context(context);
        DeploymentConfig.Builder b = DeploymentConfig.builder(
                c.string("region").orElseGet(() -> env.get("CDK_DEFAULT_REGION")),
                c.string("account").orElseGet(() -> env.get("CDK_DEFAULT_ACCOUNT")),
                Path.of(c.string("functionsJar").orElse("functions/target/nixfront-functions.jar")),
                Path.of(c.string("layerZip").orElse("layers/lambda-layer/target/nixfront-layer.zip")));
        c.string("stackName").ifPresent(b::stackName);
        c.string("removalPolicy").map(DeploymentContext::removalPolicy).ifPresent(b::removalPolicy);
        c.integer("notFoundTtlSeconds").map(Duration::seconds).ifPresent(b::notFoundTtl);
        c.string("priceClass").map(DeploymentContext::priceClass).ifPresent(b::priceClass);
        b.customDomain(c.string("domainName").orElse(null), c.string("certificateArn").orElse(null));
        c.bool("webAcl").ifPresent(b::webAcl);
        c.string("webAclArn").ifPresent(b::webAclArn);
        c.integer("webAclRateLimit").ifPresent(b::webAclRateLimit);
        c.bool("viewerRequestFunction").ifPresent(b::viewerRequestFunction);
        c.integer("apiRateLimit").ifPresent(b::apiRateLimit);
        c.integer("apiBurstLimit").ifPresent(b::apiBurstLimit);
        c.integer("inlineVerifyMaxBytes").map(Integer::longValue).ifPresent(b::inlineVerifyMaxBytes);
        c.integer("stagingExpirationDays").ifPresent(b::stagingExpirationDays);
        c.integer("collectionFenceSeconds").ifPresent(b::collectionFenceSeconds);
        c.integer("noncurrentVersionExpirationDays").ifPresent(b::noncurrentVersionExpirationDays);
        c.string("indexTableName").ifPresent(b::indexTableName);
        c.integer("logRetentionDays").map(DeploymentContext::retention).ifPresent(b::logRetention);
        c.string("alarmEmail").ifPresent(b::alarmEmail);
        c.integer("egressBudgetUsd").ifPresent(b::egressBudgetUsd);
        c.string("adminTokenVersion").ifPresent(b::adminTokenVersion);
        c.bool("nag").ifPresent(b::nag);
        return b.build();
    }

    private static RemovalPolicy removalPolicy(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "retain" -> RemovalPolicy.RETAIN;
            case "destroy" -> RemovalPolicy.DESTROY;
            default -> throw new IllegalArgumentException(DeploymentConfig.PREFIX + "removalPolicy is retain or destroy, not " + value);
        };
    }

    private static PriceClass priceClass(String value) {
        return switch (value) {
            case "PriceClass_100", "100" -> PriceClass.PRICE_CLASS_100;
            case "PriceClass_200", "200" -> PriceClass.PRICE_CLASS_200;
            case "PriceClass_All", "All", "all" -> PriceClass.PRICE_CLASS_ALL;
            default -> throw new IllegalArgumentException(DeploymentConfig.PREFIX + "priceClass is PriceClass_100, PriceClass_200 or PriceClass_All, not " + value);
        };
    }

    private static RetentionDays retention(int days) {
        RetentionDays retention = RETENTION_BY_DAYS.get(days);
        if (retention == null) {
            throw new IllegalArgumentException(DeploymentConfig.PREFIX + "logRetentionDays must be one of " + RETENTION_BY_DAYS.keySet() + ", not " + days);
        }
        return retention;
    }

    /** Context values arrive as JSON values from cdk.json and as strings from {@code -c}. */
    private record Context(Function<String, Object> lookup) {
        Optional<String> string(String key) {
            Object value = lookup.apply(DeploymentConfig.PREFIX + key);
            if (value == null || value.toString().isBlank()) {
                return Optional.empty();
            }
            return Optional.of(value.toString().trim());
        }

        Optional<Integer> integer(String key) {
            return string(key).map(value -> {
                try {
                    return new java.math.BigDecimal(value).intValueExact();
                } catch (NumberFormatException | ArithmeticException e) {
                    throw new IllegalArgumentException(DeploymentConfig.PREFIX + key + " must be a whole number, not " + value, e);
                }
            });
        }

        Optional<Boolean> bool(String key) {
            return string(key).map(value -> switch (value.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> throw new IllegalArgumentException(DeploymentConfig.PREFIX + key + " must be true or false, not " + value);
            });
        }
    }
}
