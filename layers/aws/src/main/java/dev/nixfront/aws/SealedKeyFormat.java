package dev.nixfront.aws;

import dev.nixfront.cache.port.CacheName;
import dev.nixfront.nix.sign.SecretKey;
import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The byte layout both key vaults store in a cache item's {@code sealedKey}:
 * <pre>
 * magic      4 bytes   "NFK1" (KMS envelope) or "NFL1" (local master key)
 * name       u16 + UTF-8   the signing key's name, e.g. "team-1" (public, but authenticated)
 * wrapped    u16 + bytes   KMS only: the data key as KMS encrypted it (CiphertextBlob)
 * nonce      12 bytes  random per seal
 * sealed     48 bytes  AES-256-GCM of the 32-byte Ed25519 seed, 16-byte tag appended
 * </pre>
 * The GCM associated data is everything before the nonce plus {@code "\0cache=" + cache name}, so a
 * blob edited in any header byte, or copied to another cache's item, fails to open.
 */
final class SealedKeyFormat {
    static final byte[] KMS_MAGIC = "NFK1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] LOCAL_MAGIC = "NFL1".getBytes(StandardCharsets.US_ASCII);
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int MAX_FIELD = 0xFFFF;

    /** A blob taken apart; {@code wrappedKey} is empty for the local format. */
    record Parts(String keyName, byte[] wrappedKey, byte[] header, byte[] nonce, byte[] sealed) {
    }

    private SealedKeyFormat() {
    }

    static byte[] seal(byte[] magic, String keyName, byte[] wrappedKey, byte[] dataKey, CacheName cache,
                       byte[] seed, SecureRandom random) {
        byte[] header = header(magic, keyName, wrappedKey);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = gcm(Cipher.ENCRYPT_MODE, dataKey, nonce, associatedData(header, cache), seed);
        return ByteBuffer.allocate(header.length + nonce.length + sealed.length)
                .put(header).put(nonce).put(sealed).array();
    }

    static Parts parse(byte[] magic, boolean hasWrappedKey, byte[] blob) {
        ByteBuffer in = ByteBuffer.wrap(blob);
        try {
            byte[] actualMagic = new byte[magic.length];
            in.get(actualMagic);
            if (!Arrays.equals(actualMagic, magic)) {
                throw new IllegalStateException("the sealed key is not in the " + new String(magic, StandardCharsets.US_ASCII)
                        + " format (starts with " + printable(actualMagic) + "): was it sealed by another key vault?");
            }
            String keyName = new String(field(in), StandardCharsets.UTF_8);
            byte[] wrapped = hasWrappedKey ? field(in) : new byte[0];
            byte[] header = Arrays.copyOf(blob, in.position());
            byte[] nonce = new byte[NONCE_BYTES];
            in.get(nonce);
            byte[] sealed = new byte[in.remaining()];
            in.get(sealed);
            if (sealed.length != KEY_BYTES + TAG_BITS / 8) {
                throw new IllegalStateException("the sealed key has " + sealed.length + " bytes of ciphertext, expected "
                        + (KEY_BYTES + TAG_BITS / 8));
            }
            return new Parts(keyName, wrapped, header, nonce, sealed);
        } catch (BufferUnderflowException e) {
            throw new IllegalStateException("the sealed key is truncated (" + blob.length + " bytes)", e);
        }
    }

    static SecretKey open(Parts parts, byte[] dataKey, CacheName cache) {
        byte[] seed = gcm(Cipher.DECRYPT_MODE, dataKey, parts.nonce(), associatedData(parts.header(), cache), parts.sealed());
        try {
            return SecretKey.fromSeed(parts.keyName(), seed);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static byte[] header(byte[] magic, String keyName, byte[] wrappedKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(magic);
        writeField(out, keyName.getBytes(StandardCharsets.UTF_8));
        if (wrappedKey != null) {
            writeField(out, wrappedKey);
        }
        return out.toByteArray();
    }

    private static void writeField(ByteArrayOutputStream out, byte[] value) {
        if (value.length > MAX_FIELD) {
            throw new IllegalArgumentException("field of " + value.length + " bytes does not fit the sealed-key format");
        }
        out.write(value.length >>> 8);
        out.write(value.length & 0xFF);
        out.writeBytes(value);
    }

    private static byte[] field(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static byte[] associatedData(byte[] header, CacheName cache) {
        byte[] binding = ("\0cache=" + cache.value()).getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(header.length + binding.length).put(header).put(binding).array();
    }

    private static byte[] gcm(int mode, byte[] key, byte[] nonce, byte[] aad, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad);
            return cipher.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("the sealed key does not open: wrong key, wrong cache, or altered bytes", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed: " + e.getMessage(), e);
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xFF));
        }
        return "'" + out + "'";
    }
}
