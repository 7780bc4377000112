package dev.nixfront.nix.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nixfront.nix.Hash;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HashingStreamsTest {
    /** The NAR of a file holding "hi\n" (protocol doc, section 6). */
    private static final byte[] HI_NAR = hiNar();
    private static final String HI_NAR_HASH = "sha256:1xmr8jicvzszfzpz46g37mlpvbzjl2wpwvl2b05psipssyp1sm8h";

    @Test
    void outputStreamPassesBytesOnAndHashesThem() throws Exception {
        AtomicInteger writes = new AtomicInteger();
        ByteArrayOutputStream sink = new ByteArrayOutputStream() {
            @Override
            public void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                super.write(b, off, len);
            }
        };
        HashingOutputStream out = new HashingOutputStream(sink);
        out.write(HI_NAR, 0, 100);
        out.write(HI_NAR[100]);
        out.write(HI_NAR, 101, 19);

        assertThat(sink.toByteArray()).isEqualTo(HI_NAR);
        assertThat(writes).hasValue(2);
        assertThat(out.count()).isEqualTo(120);
        assertThat(out.hash().toString()).isEqualTo(HI_NAR_HASH);
        assertThat(out.hash()).isSameAs(out.hash());
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class).hasMessageContaining("after hash()");
    }

    @Test
    void discardingOutputOnlyHashes() throws Exception {
        try (HashingOutputStream out = HashingOutputStream.discarding()) {
            out.write(HI_NAR);
            assertThat(out.hash()).isEqualTo(Hash.sha256(HI_NAR));
        }
    }

    @Test
    void inputStreamHashesWhatIsReadAndSkipped() throws Exception {
        HashingInputStream in = new HashingInputStream(new ByteArrayInputStream(HI_NAR));
        byte[] first = new byte[10];
        assertThat(in.read(first)).isEqualTo(10);
        assertThat(in.read()).isEqualTo(HI_NAR[10] & 0xff);
        assertThat(in.skip(50)).isEqualTo(50);
        assertThat(in.readAllBytes()).hasSize(59);
        assertThat(in.read()).isEqualTo(-1);

        assertThat(in.count()).isEqualTo(120);
        assertThat(in.hash().toString()).isEqualTo(HI_NAR_HASH);
        assertThat(in.markSupported()).isFalse();
        assertThatThrownBy(in::reset).isInstanceOf(IOException.class);
        assertThatThrownBy(in::read).isInstanceOf(IOException.class).hasMessageContaining("after hash()");
    }

    @Test
    void emptyStreamsHashToTheEmptyDigest() throws Exception {
        HashingInputStream in = new HashingInputStream(new ByteArrayInputStream(new byte[0]));
        assertThat(in.readAllBytes()).isEmpty();
        assertThat(in.hash().toBase16()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(new HashingOutputStream(OutputStream.nullOutputStream()).hash()).isEqualTo(in.hash());
    }

    private static byte[] hiNar() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String token : new String[] {"nix-archive-1", "(", "type", "regular", "contents", "hi\n", ")"}) {
            long length = token.length();
            for (int i = 0; i < 8; i++) {
                out.write((int) (length >>> (8 * i)));
            }
            out.writeBytes(token.getBytes());
            out.writeBytes(new byte[(8 - token.length() % 8) % 8]);
        }
        return out.toByteArray();
    }
}
