package dev.nixfront.cache;

import dev.nixfront.api.Upstream;
import dev.nixfront.cache.port.UpstreamCache;
import dev.nixfront.nix.NixFormatException;
import dev.nixfront.nix.sign.PublicKey;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What upstreams a deployment lets its caches have, and what asking them may cost a publish.
 *
 * <p>The server fetches narinfos from the upstreams it is configured with, so an upstream URL is a
 * request the deployment makes on an admin's behalf. In AWS it must be https to a public address:
 * otherwise a cache admin could point publish at the function's own network (loopback, link-local
 * such as {@code 169.254.169.254}, private ranges) and read answers back through the closure check.
 * The local stack allows http and private addresses ({@code privateAddresses}), since its upstreams
 * are other local caches. Literal addresses are judged when an upstream is set (400), names when
 * they are resolved, before every request ({@link #isPublic}).
 *
 * @param defaultUpstreams the upstreams of a cache created without a list
 * @param privateAddresses whether http and loopback, link-local and private addresses are allowed
 * @param requestTimeout   how long one narinfo request may take, connection included
 * @param checkBudget      how long one closure check may spend asking upstreams, all of them together;
 *                         an upstream that does not answer within it counts as not serving the path
 */
public record UpstreamSettings(List<UpstreamCache> defaultUpstreams, boolean privateAddresses, Duration requestTimeout, Duration checkBudget) {
    /** The largest narinfo read from an upstream ({@link Upstream#MAX_NARINFO_BYTES}, push's bound too). */
    public static final int MAX_NARINFO_BYTES = Upstream.MAX_NARINFO_BYTES;
    /** The longest upstream URL accepted. */
    public static final int MAX_URL_LENGTH = 1000;
    /**
     * The longest name of an upstream's key. Nix's are short ({@code cache.nixos.org-1}); without a
     * bound, 8 upstreams with names of 45,000 characters made a cache item of 360 KB, read on every
     * request and written into nix.conf by {@code nixfront use}, and at 60,000 DynamoDB refused the
     * item (a 500; found by an outside review).
     */
    public static final int MAX_KEY_NAME_LENGTH = 128;

    public UpstreamSettings {
        defaultUpstreams = List.copyOf(defaultUpstreams);
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(checkBudget, "checkBudget");
    }

    /** cache.nixos.org by default, public https only, 3 s a request (push waits as long, {@link Upstream#REQUEST_TIMEOUT}) and 5 s a check. */
    public static UpstreamSettings defaults() {
        return new UpstreamSettings(List.of(parse(Upstream.NIXOS)), false, Upstream.REQUEST_TIMEOUT, Duration.ofSeconds(5));
    }

    public UpstreamSettings withPrivateAddresses(boolean allowed) {
        return new UpstreamSettings(defaultUpstreams, allowed, requestTimeout, checkBudget);
    }

    public UpstreamSettings withDefaults(List<UpstreamCache> list) {
        return new UpstreamSettings(list, privateAddresses, requestTimeout, checkBudget);
    }

    private static UpstreamCache parse(Upstream upstream) {
        try {
            return new UpstreamCache(URI.create(upstream.url()), PublicKey.parse(upstream.publicKey()));
        } catch (NixFormatException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The upstreams of a request, checked: at most {@link Upstream#MAX}, each an absolute https URL
     * (http where private addresses are allowed) with a host, no user info, query or fragment, not
     * a loopback, link-local or private literal address nor {@code localhost} unless allowed, no
     * URL twice, and a Nix public key. A bad one is a 400 naming {@code upstreams[i].url} or
     * {@code upstreams[i].publicKey}.
     */
    List<UpstreamCache> check(List<Upstream> requested) {
        if (requested.size() > Upstream.MAX) {
            throw DomainException.invalid("upstreams", "at most " + Upstream.MAX + " upstreams, got " + requested.size());
        }
        List<UpstreamCache> checked = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            Upstream u = requested.get(i);
            String field = "upstreams[" + i + "]";
            if (u == null) {
                throw DomainException.invalid(field, "an upstream is {\"url\":...,\"publicKey\":...}");
            }
            URI url = url(u.url(), field + ".url");
            String keyText = Objects.requireNonNullElse(u.publicKey(), "");
            int colon = keyText.indexOf(':');
            String name = colon < 0 ? keyText : keyText.substring(0, colon);
            if (name.length() > MAX_KEY_NAME_LENGTH || !printableAscii(name)) {
                throw DomainException.invalid(field + ".publicKey", "a key's name is at most " + MAX_KEY_NAME_LENGTH
                        + " printable ASCII characters without spaces, such as " + Upstream.NIXOS.publicKey().split(":")[0]);
            }
            PublicKey key;
            try {
                key = PublicKey.parse(keyText);
            } catch (NixFormatException e) {
                throw DomainException.invalid(field + ".publicKey", "a Nix public key name:base64 of 32 bytes, such as "
                        + Upstream.NIXOS.publicKey() + ": " + e.reason());
            }
            UpstreamCache upstream = new UpstreamCache(url, key);
            if (checked.stream().anyMatch(c -> c.url().equals(url))) {
                throw DomainException.invalid(field + ".url", url + " is given twice");
            }
            checked.add(upstream);
        }
        return checked;
    }

    private URI url(String text, String field) {
        if (text == null || text.isBlank()) {
            throw DomainException.invalid(field, "give the upstream's URL, such as " + Upstream.NIXOS.url());
        }
        if (text.length() > MAX_URL_LENGTH) {
            throw DomainException.invalid(field, "at most " + MAX_URL_LENGTH + " characters");
        }
        String trimmed = text.strip();
        if (!printableAscii(trimmed)) {
            // java.net.URI takes non-ASCII letters and format characters (a right-to-left override
            // among them), which nix.conf lines and cache info would then show as something else.
            throw DomainException.invalid(field, "printable ASCII only, without spaces (percent-encode the rest): " + quote(text));
        }
        URI url;
        try {
            url = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw DomainException.invalid(field, "not a URL: " + quote(text));
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!"https".equals(scheme) && !("http".equals(scheme) && privateAddresses)) {
            throw DomainException.invalid(field, "an upstream is fetched over https" + (privateAddresses ? " or http" : "")
                    + ", got " + quote(text));
        }
        if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null || url.getRawFragment() != null) {
            throw DomainException.invalid(field, "an upstream URL is a host and a path, without user info, query or fragment; got "
                    + quote(text));
        }
        String host = withoutTrailingDots(url.getHost().toLowerCase(Locale.ROOT));
        if (!privateAddresses && !publicHost(host)) {
            throw DomainException.invalid(field, host + " is a loopback, link-local or private address, or a name without a"
                    + " domain, which this deployment does not fetch from");
        }
        return normalised(scheme, host, url, field);
    }

    /**
     * One spelling per upstream, so that the check for one given twice sees through
     * {@code https://cache.nixos.org:443}, {@code https://CACHE.nixos.org./} and {@code /a/..}: the
     * scheme and host in lower case without trailing dots, no default port, the path without dot
     * segments or trailing slashes.
     */
    private static URI normalised(String scheme, String host, URI url, String field) {
        int port = url.getPort();
        if (("https".equals(scheme) && port == 443) || ("http".equals(scheme) && port == 80)) {
            port = -1;
        }
        String path = url.normalize().getRawPath();
        if (path == null || path.equals("/..") || path.startsWith("/../")) {
            throw DomainException.invalid(field, "an upstream URL's path cannot climb above its root: " + quote(url.toString()));
        }
        try {
            return new URI(scheme + "://" + host + (port < 0 ? "" : ":" + port) + path.replaceAll("/+$", ""));
        } catch (URISyntaxException e) {
            throw DomainException.invalid(field, "not a URL: " + quote(url.toString()));
        }
    }

    private static String withoutTrailingDots(String host) {
        String h = host;
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /** Whether every character is printable ASCII other than a space: no controls, no bidirectional overrides. */
    static boolean printableAscii(String text) {
        return text.chars().allMatch(c -> c > ' ' && c < 0x7f);
    }

    /** The input cut short, anything but printable ASCII as '?': it is echoed in an error. */
    private static String quote(String text) {
        String cut = text.length() > 120 ? text.substring(0, 120) + "..." : text;
        return "'" + cut.replaceAll("[^\\x20-\\x7e]", "?") + "'";
    }

    /**
     * Whether a host as written may be fetched when private addresses are not allowed; names are
     * judged again when resolved. A trailing dot changes nothing ({@code localhost.} is localhost),
     * and a name of one label is refused: the resolver completes it with the search domains of the
     * deployment's own network.
     */
    static boolean publicHost(String host) {
        String h = withoutTrailingDots(host.toLowerCase(Locale.ROOT));
        if (h.equals("localhost") || h.endsWith(".localhost") || h.endsWith(".internal")) {
            return false;
        }
        boolean literal = h.startsWith("[") || h.matches("[0-9.]+") || h.matches("0x[0-9a-f.x]+");
        if (!literal) {
            return h.indexOf('.') > 0;
        }
        try {
            // A literal: no name lookup happens.
            return isPublic(InetAddress.getByName(h));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /**
     * Whether an address is one a deployment without private upstreams may connect to: not the
     * unspecified, loopback, link-local (the instance metadata address among them), private,
     * shared (100.64/10), unique-local (fc00::/7), multicast or reserved ranges.
     */
    public static boolean isPublic(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
                || address.isSiteLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first != 0 && !(first == 100 && second >= 64 && second < 128) && !(first == 192 && second == 0 && (b[2] & 0xff) == 0)
                    && !(first == 198 && (second == 18 || second == 19)) && first < 224;
        }
        if (address instanceof Inet6Address) {
            return isPublic6(b);
        }
        return false;
    }

    /**
     * An IPv6 address other than unique-local, and judged by the IPv4 address it embeds where it
     * embeds one: IPv4-compatible ({@code ::a9fe:a9fe}), IPv4-translated ({@code ::ffff:0:a9fe:a9fe}),
     * NAT64 ({@code 64:ff9b::a9fe:a9fe}; its local-use range and the rest of 64:ff9b::/32 refused),
     * 6to4 ({@code 2002:a9fe:a9fe::}); Teredo (2001::/32, whose embedded address is obfuscated),
     * documentation (2001:db8::/32) and discard (100::/64) are refused. Each of these reached the
     * metadata address through a translator or relay where the plain check let it through (found by
     * an outside review). IPv4-mapped addresses ({@code ::ffff:a9fe:a9fe}) the JDK already turns into
     * IPv4 ones.
     */
    private static boolean isPublic6(byte[] b) {
        if ((b[0] & 0xfe) == 0xfc) {
            return false;
        }
        if (zero(b, 0, 12) || (zero(b, 0, 8) && b[8] == (byte) 0xff && b[9] == (byte) 0xff && b[10] == 0 && b[11] == 0)) {
            return isPublic(ipv4(b, 12));
        }
        if (b[0] == 0 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
            return zero(b, 4, 12) && isPublic(ipv4(b, 12));
        }
        if (b[0] == 0x20 && b[1] == 0x02) {
            return isPublic(ipv4(b, 2));
        }
        boolean teredo = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0;
        boolean documentation = b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == (byte) 0xb8;
        boolean discard = b[0] == 0x01 && b[1] == 0 && zero(b, 2, 8);
        return !teredo && !documentation && !discard;
    }

    private static boolean zero(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static InetAddress ipv4(byte[] b, int offset) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(b, offset, offset + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
