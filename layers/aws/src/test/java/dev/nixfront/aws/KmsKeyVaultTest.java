package dev.nixfront.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.sign.SecretKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The envelope logic of {@link KmsKeyVault}, with KMS replaced by a stand-in that behaves like it
 * where it matters: a fresh data key per call, wrapped under a key KMS never reveals, and unwrapping
 * only with the same encryption context.
 */
class KmsKeyVaultTest {
    private static final CacheName TEAM = CacheName.of("team");
    private static final SecretKey KEY = SecretKey.generate("team-1", new SecureRandom());

    private final FakeKms kms = new FakeKms();
    private final KmsKeyVault vault = new KmsKeyVault(kms, new SecureRandom());

    @TempDir
    Path dir;

    @Test
    void sealsUnderAFreshDataKeyBoundToTheCacheAndOpensWithTheSameContext() {
        byte[] sealed = vault.seal(TEAM, KEY);

        assertThat(kms.generated).containsExactly(Map.of("cache", "team"));
        assertThat(vault.open(TEAM, sealed).toNixFormat()).isEqualTo(KEY.toNixFormat());
        assertThat(kms.decrypted).containsExactly(Map.of("cache", "team"));

        vault.seal(TEAM, KEY);
        assertThat(kms.generated).hasSize(2);
        assertThat(kms.plaintexts.get(0)).isNotEqualTo(kms.plaintexts.get(1));
    }

    @Test
    void blobLayoutIsMagicNameWrappedKeyNonceCiphertext() {
        byte[] sealed = vault.seal(TEAM, KEY);
        ByteBuffer in = ByteBuffer.wrap(sealed);

        byte[] magic = new byte[4];
        in.get(magic);
        assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("NFK1");
        byte[] name = new byte[in.getShort()];
        in.get(name);
        assertThat(new String(name, StandardCharsets.UTF_8)).isEqualTo("team-1");
        byte[] wrapped = new byte[in.getShort()];
        in.get(wrapped);
        assertThat(wrapped).isEqualTo(kms.wrapped.getFirst());
        assertThat(in.remaining()).isEqualTo(12 + 32 + 16);
        assertThat(LocalKeyVaultTest.indexOf(sealed, KEY.seed())).isNegative();
        assertThat(LocalKeyVaultTest.indexOf(sealed, kms.plaintexts.getFirst())).isNegative();
    }

    @Test
    void aSealedKeyMovedToAnotherCacheDoesNotOpen() {
        byte[] sealed = vault.seal(TEAM, KEY);
        assertThatThrownBy(() -> vault.open(CacheName.of("other"), sealed))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("encryption context");
    }

    @Test
    void alteredBytesDoNotOpen() {
        byte[] sealed = vault.seal(TEAM, KEY);
        // Rename the key in the header: GCM's associated data covers it.
        byte[] renamed = sealed.clone();
        renamed[6] = (byte) 'x';
        assertThatThrownBy(() -> vault.open(TEAM, renamed)).isInstanceOf(IllegalStateException.class);
        byte[] flipped = sealed.clone();
        flipped[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> vault.open(TEAM, flipped))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not open");
    }

    @Test
    void aLocallySealedKeyIsNamedAsSuch() {
        byte[] local = new LocalKeyVault(dir.resolve("master.key")).seal(TEAM, KEY);
        assertThatThrownBy(() -> vault.open(TEAM, local))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("NFL1").hasMessageContaining("another key vault");
    }

    /** Wraps data keys with AES-GCM under a hidden key, the context as associated data. */
    private static final class FakeKms implements KmsKeyVault.DataKeys {
        private final byte[] masterKey = new byte[32];
        private final SecureRandom random = new SecureRandom();
        final List<Map<String, String>> generated = new ArrayList<>();
        final List<Map<String, String>> decrypted = new ArrayList<>();
        final List<byte[]> plaintexts = new ArrayList<>();
        final List<byte[]> wrapped = new ArrayList<>();

        FakeKms() {
            random.nextBytes(masterKey);
        }

        @Override
        public KmsKeyVault.DataKey generate(Map<String, String> context) {
            generated.add(context);
            byte[] plaintext = new byte[32];
            random.nextBytes(plaintext);
            byte[] nonce = new byte[12];
            random.nextBytes(nonce);
            byte[] blob = ByteBuffer.allocate(12 + 48).put(nonce).put(gcm(Cipher.ENCRYPT_MODE, nonce, context, plaintext)).array();
            plaintexts.add(plaintext.clone());
            wrapped.add(blob.clone());
            return new KmsKeyVault.DataKey(plaintext, blob);
        }

        @Override
        public byte[] decrypt(byte[] blob, Map<String, String> context) {
            decrypted.add(context);
            try {
                return gcm(Cipher.DECRYPT_MODE, Arrays.copyOf(blob, 12), context, Arrays.copyOfRange(blob, 12, blob.length));
            } catch (IllegalStateException e) {
                throw new IllegalStateException("InvalidCiphertextException: the encryption context does not match", e);
            }
        }

        private byte[] gcm(int mode, byte[] nonce, Map<String, String> context, byte[] input) {
            try {
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(mode, new SecretKeySpec(masterKey, "AES"), new GCMParameterSpec(128, nonce));
                cipher.updateAAD(context.toString().getBytes(StandardCharsets.UTF_8));
                return cipher.doFinal(input);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
