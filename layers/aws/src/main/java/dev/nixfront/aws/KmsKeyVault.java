package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.cache.port.KeyVault;
import dev.nixfront.nix.sign.SecretKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;
import software.amazon.awssdk.services.kms.model.GenerateDataKeyResponse;

/**
 * Envelope encryption of cache signing keys with KMS: each seal asks KMS for a fresh AES-256 data
 * key under encryption context {@code {"cache": "<name>"}}, encrypts the 32-byte seed with it
 * locally (AES-GCM), and stores the KMS-wrapped data key beside the ciphertext (layout in
 * {@link SealedKeyFormat}). Opening is one KMS Decrypt with the same context, so a sealed key
 * moved to another cache's item is refused by KMS itself, and CloudTrail logs every use.
 */
public final class KmsKeyVault implements KeyVault {
    static final String CONTEXT_KEY = "cache";

    /** The two KMS calls, behind a seam so the envelope logic is tested without KMS. */
    interface DataKeys {
        /** A fresh 32-byte key and the same key wrapped by KMS under {@code context}. */
        DataKey generate(Map<String, String> context);

        /** The plaintext of a wrapped key; must fail unless {@code context} is the one it was made with. */
        byte[] decrypt(byte[] wrapped, Map<String, String> context);
    }

    record DataKey(byte[] plaintext, byte[] wrapped) {
    }

    private final DataKeys dataKeys;
    private final SecureRandom random;

    /**
     * @param keyId the KMS key (id, ARN or alias) that wraps the data keys
     */
    public KmsKeyVault(KmsClient kms, String keyId) {
        this(kms, keyId, new SecureRandom());
    }

    /**
     * @param random where the sealing nonces come from; a Lambda passes one that stays unique across
     *               environments restored from one SnapStart snapshot
     */
    public KmsKeyVault(KmsClient kms, String keyId, SecureRandom random) {
        this(new Kms(Objects.requireNonNull(kms, "kms"), Objects.requireNonNull(keyId, "keyId")), Objects.requireNonNull(random, "random"));
    }

    KmsKeyVault(DataKeys dataKeys, SecureRandom random) {
        this.dataKeys = dataKeys;
        this.random = random;
    }

    @Override
    public byte[] seal(CacheName cache, SecretKey key) {
        DataKey dataKey = dataKeys.generate(context(cache));
        byte[] seed = key.seed();
        try {
            return SealedKeyFormat.seal(SealedKeyFormat.KMS_MAGIC, key.name(), dataKey.wrapped(), dataKey.plaintext(),
                    cache, seed, random);
        } finally {
            Arrays.fill(seed, (byte) 0);
            Arrays.fill(dataKey.plaintext(), (byte) 0);
        }
    }

    @Override
    public SecretKey open(CacheName cache, byte[] sealed) {
        SealedKeyFormat.Parts parts = SealedKeyFormat.parse(SealedKeyFormat.KMS_MAGIC, true, sealed);
        byte[] dataKey = dataKeys.decrypt(parts.wrappedKey(), context(cache));
        try {
            return SealedKeyFormat.open(parts, dataKey, cache);
        } finally {
            Arrays.fill(dataKey, (byte) 0);
        }
    }

    static Map<String, String> context(CacheName cache) {
        return Map.of(CONTEXT_KEY, cache.value());
    }

    private record Kms(KmsClient kms, String keyId) implements DataKeys {
        @Override
        public DataKey generate(Map<String, String> context) {
            GenerateDataKeyResponse response = kms.generateDataKey(b -> b.keyId(keyId)
                    .keySpec(DataKeySpec.AES_256).encryptionContext(context));
            return new DataKey(response.plaintext().asByteArray(), response.ciphertextBlob().asByteArray());
        }

        @Override
        public byte[] decrypt(byte[] wrapped, Map<String, String> context) {
            // Naming the key makes KMS refuse a blob wrapped under any other key.
            return kms.decrypt(b -> b.keyId(keyId).ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                    .encryptionContext(context)).plaintext().asByteArray();
        }
    }
}
