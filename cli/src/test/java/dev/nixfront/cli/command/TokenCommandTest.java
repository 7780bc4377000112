package dev.nixfront.cli.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TokenCommandTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void expiryTakesShortAndIsoDurationsAndInstants() {
        assertThat(TokenCommand.expiry("30d", NOW)).isEqualTo(NOW.plus(Duration.ofDays(30)));
        assertThat(TokenCommand.expiry("12h", NOW)).isEqualTo(NOW.plus(Duration.ofHours(12)));
        assertThat(TokenCommand.expiry("2w", NOW)).isEqualTo(NOW.plus(Duration.ofDays(14)));
        assertThat(TokenCommand.expiry("PT90M", NOW)).isEqualTo(NOW.plus(Duration.ofMinutes(90)));
        assertThat(TokenCommand.expiry("2030-01-01T00:00:00Z", NOW)).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThatThrownBy(() -> TokenCommand.expiry("tomorrow", NOW)).hasMessageContaining("--expires");
    }

    /** Found by an outside review: a description with escape sequences cleared the admin's terminal. */
    @Test
    void descriptionsArePrintedWithoutTheirControlCharacters() {
        assertThat(TokenCommand.printable("ci\u001b[2J\u001b[31mfake row\r\nnext\u202e"))
                .isEqualTo("ci\\u001b[2J\\u001b[31mfake row\\u000d\\u000anext\\u202e");
        assertThat(TokenCommand.printable("deploy bot \u00e9\u2713")).isEqualTo("deploy bot \u00e9\u2713");
    }
}
