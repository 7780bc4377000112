package dev.nixfront.cli.aws;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Found by an outside review: login --stack sent the admin token to whatever URL the stack output named. */
class StackLoginUrlTest {
    @Test
    void theAdminTokenGoesOnlyToHttpsOrToThisMachine() {
        assertThatCode(() -> StackLogin.requireSafeApiUrl("https://abc123.execute-api.eu-west-1.amazonaws.com/", "Nixfront"))
                .doesNotThrowAnyException();
        assertThatCode(() -> StackLogin.requireSafeApiUrl("http://127.0.0.1:8470", "Nixfront")).doesNotThrowAnyException();
        assertThatThrownBy(() -> StackLogin.requireSafeApiUrl("http://evil.example.org/", "Evil"))
                .isInstanceOf(IOException.class).hasMessageContaining("not an https URL");
        assertThatThrownBy(() -> StackLogin.requireSafeApiUrl("ftp://127.0.0.1/", "Evil")).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> StackLogin.requireSafeApiUrl("not a url", "Evil")).isInstanceOf(IOException.class);
    }
}
