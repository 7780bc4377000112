package dev.nixfront.infra;

import static dev.nixfront.infra.Json.at;
import static dev.nixfront.infra.Json.map;
import static dev.nixfront.infra.Json.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OutputsTest {
    private final Deployments.Synthesized standard = Deployments.standard();
    private final Map<String, Object> outputs = map(Deployments.json(standard.main()).get("Outputs"));

    private String output(String name) {
        return render(at(outputs, name, "Value"));
    }

    @Test
    void tellWhereTheApiAndTheCacheAreAndHowToReadTheAdminToken() {
        String secret = "<" + Nag.logicalId(standard.stacks().main().storage().adminToken()) + ">";
        assertThat(output("ApiUrl")).startsWith("https://<").contains(".execute-api.eu-west-1.");
        assertThat(output("CacheUrl")).isEqualTo("https://<" + Nag.logicalId(standard.stacks().main().readPath().distribution()) + ".DomainName>");
        assertThat(output("AdminTokenSecretArn")).isEqualTo(secret);
        assertThat(output("AdminTokenCommand"))
                .isEqualTo("aws secretsmanager get-secret-value --region eu-west-1 --secret-id " + secret + " --query SecretString --output text");
        assertThat(output("NextStep"))
                .startsWith("NIXFRONT_TOKEN=\"$(aws secretsmanager get-secret-value")
                .contains(")\" nixfront login https://<")
                .endsWith(output("ApiUrl"));
    }

    @Test
    void nameTheKeyValueStoreTheAdminFunctionWritesThePrivateCacheEntriesTo() {
        assertThat(output("EdgeStoreArn")).isEqualTo("<" + Nag.logicalId(standard.stacks().main().readPath().edgeStore()) + ".Arn>");
    }

    @Test
    void withACustomDomainTheCacheUrlIsThatDomain() {
        Map<String, Object> full = map(Deployments.json(Deployments.full().main()).get("Outputs"));
        assertThat(render(at(full, "CacheUrl", "Value"))).isEqualTo("https://" + Deployments.DOMAIN);
    }
}
