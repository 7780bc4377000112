package dev.nixfront.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.logs.RetentionDays;

class DeploymentConfigTest {
    private static final Map<String, String> ENV = Map.of("CDK_DEFAULT_REGION", "eu-central-1", "CDK_DEFAULT_ACCOUNT", "111122223333");

    private static DeploymentConfig read(Map<String, Object> context) {
        return DeploymentConfig.from(context::get, ENV);
    }

    @Test
    void defaultsKeepDataAndCache404sBriefly() {
        DeploymentConfig config = read(Map.of());
        assertThat(config.region()).isEqualTo("eu-central-1");
        assertThat(config.account()).isEqualTo("111122223333");
        assertThat(config.removalPolicy()).isEqualTo(RemovalPolicy.RETAIN);
        assertThat(config.notFoundTtl().toSeconds().intValue()).isEqualTo(5);
        assertThat(config.priceClass()).isEqualTo(PriceClass.PRICE_CLASS_100);
        assertThat(config.webAcl()).isFalse();
        assertThat(config.viewerRequestFunction()).as("private caches are private by default").isTrue();
        assertThat(config.hasCustomDomain()).isFalse();
        assertThat(config.functionsJar()).isEqualTo(Path.of("functions/target/nixfront-functions.jar"));
        assertThat(config.layerZip()).isEqualTo(Path.of("layers/lambda-layer/target/nixfront-layer.zip"));
        assertThat(config.nag()).isFalse();
        assertThat(config.stagingExpirationDays()).isEqualTo(7);
        assertThat(config.noncurrentVersionExpirationDays()).isEqualTo(30);
        assertThat(config.stackName()).isEqualTo("Nixfront");
        assertThat(config.indexTableName()).isNull();
        assertThat(config.namePrefix()).isEqualTo("nixfront");
    }

    @Test
    void contextStringsFromTheCommandLineAreParsed() {
        Map<String, Object> context = new HashMap<>();
        context.put("nixfront:removalPolicy", "destroy");
        context.put("nixfront:notFoundTtlSeconds", "2");
        context.put("nixfront:priceClass", "PriceClass_All");
        context.put("nixfront:domainName", "cache.example.org");
        context.put("nixfront:certificateArn", "arn:aws:acm:us-east-1:111122223333:certificate/abc");
        context.put("nixfront:webAcl", "true");
        context.put("nixfront:webAclRateLimit", "5000");
        context.put("nixfront:logRetentionDays", 90);
        context.put("nixfront:inlineVerifyMaxBytes", "1048576");
        context.put("nixfront:stagingExpirationDays", "14");
        context.put("nixfront:noncurrentVersionExpirationDays", "60");
        context.put("nixfront:egressBudgetUsd", "500");
        context.put("nixfront:stackName", "NixfrontStaging");
        context.put("nixfront:region", "us-east-1");
        DeploymentConfig config = read(context);
        assertThat(config.removalPolicy()).isEqualTo(RemovalPolicy.DESTROY);
        assertThat(config.notFoundTtl().toSeconds().intValue()).isEqualTo(2);
        assertThat(config.priceClass()).isEqualTo(PriceClass.PRICE_CLASS_ALL);
        assertThat(config.domainName()).isEqualTo("cache.example.org");
        assertThat(config.webAcl()).isTrue();
        assertThat(config.webAclRateLimit()).isEqualTo(5000);
        assertThat(config.logRetention()).isEqualTo(RetentionDays.THREE_MONTHS);
        assertThat(config.inlineVerifyMaxBytes()).isEqualTo(1 << 20);
        assertThat(config.stagingExpirationDays()).isEqualTo(14);
        assertThat(config.noncurrentVersionExpirationDays()).isEqualTo(60);
        assertThat(config.egressBudgetUsd()).isEqualTo(500);
        assertThat(config.stackName()).isEqualTo("NixfrontStaging");
        assertThat(config.edgeMonitoringStackName()).isEqualTo("NixfrontStagingEdgeMonitoring");
        assertThat(config.namePrefix()).isEqualTo("nixfront-nixfrontstaging");
        assertThat(config.mainStackInEdgeRegion()).isTrue();
    }

    @Test
    void mistakesAreRefusedWithTheKeyToFix() {
        assertThatThrownBy(() -> read(Map.of("nixfront:domainName", "cache.example.org")))
                .hasMessageContaining("nixfront:certificateArn");
        assertThatThrownBy(() -> read(Map.of("nixfront:domainName", "c.example.org",
                "nixfront:certificateArn", "arn:aws:acm:eu-west-1:111122223333:certificate/abc")))
                .hasMessageContaining("us-east-1");
        assertThatThrownBy(() -> read(Map.of("nixfront:removalPolicy", "snapshot"))).hasMessageContaining("retain or destroy");
        assertThatThrownBy(() -> read(Map.of("nixfront:webAcl", "yes please"))).hasMessageContaining("nixfront:webAcl");
        assertThatThrownBy(() -> read(Map.of("nixfront:logRetentionDays", 31))).hasMessageContaining("logRetentionDays");
        assertThatThrownBy(() -> read(Map.of("nixfront:stagingExpirationDays", 0))).hasMessageContaining("stagingExpirationDays");
        assertThatThrownBy(() -> read(Map.of("nixfront:noncurrentVersionExpirationDays", 0))).hasMessageContaining("noncurrentVersionExpirationDays");
        assertThatThrownBy(() -> read(Map.of("nixfront:egressBudgetUsd", 0))).hasMessageContaining("egressBudgetUsd");
        assertThatThrownBy(() -> read(Map.of("nixfront:indexTableName", "no spaces"))).hasMessageContaining("indexTableName");
        assertThatThrownBy(() -> read(Map.of("nixfront:webAcl", true, "nixfront:webAclArn", "arn:aws:wafv2:x")))
                .hasMessageContaining("choose one");
        assertThatThrownBy(() -> DeploymentConfig.from(key -> null, Map.of())).hasMessageContaining("AWS_REGION");
    }

    @Test
    void theRepositorysCdkJsonIsAValidConfiguration() {
        DeploymentConfig config = read(Json.cdkJsonContext());
        assertThat(config.removalPolicy()).isEqualTo(RemovalPolicy.RETAIN);
        assertThat(config.notFoundTtl().toSeconds().intValue()).isLessThanOrEqualTo(10);
        assertThat(Json.cdkJsonContext()).containsEntry("@aws-cdk/core:defaultCrossStackReferences", "weak");
    }
}
