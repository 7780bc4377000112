package dev.nixfront.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The data plane of one CloudFront KeyValueStore, in memory, for the AWS-mode tests (moto_server has
 * none): DescribeKeyValueStore (the ETag), UpdateKeys (If-Match, else a 409 ConflictException),
 * ListKeys and GetKey (a 404 ResourceNotFoundException for a missing key), in the documented JSON shapes. It refuses a request that is not SigV4A-signed, as the
 * service would, so the admin function's client is checked end to end up to the wire.
 */
final class KeyValueStoreStub implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String arn;
    private final HttpServer server;
    private final Map<String, String> entries = new TreeMap<>();
    private long version = 1;

    KeyValueStoreStub(String arn) throws IOException {
        this.arn = arn;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::answer);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    synchronized Map<String, String> entries() {
        return Map.copyOf(entries);
    }

    /** Puts and removes entries as another writer would, moving the ETag on. */
    synchronized void drift(Map<String, String> puts, List<String> deletes) {
        deletes.forEach(entries::remove);
        entries.putAll(puts);
        version++;
    }

    private synchronized void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String path = exchange.getRequestURI().getPath();
            String base = "/key-value-stores/" + arn;
            if (authorization == null || !authorization.startsWith("AWS4-ECDSA-P256-SHA256 ")) {
                send(exchange, 403, "AccessDeniedException", error("not signed with SigV4A"));
            } else if (!path.startsWith(base)) {
                send(exchange, 404, "ResourceNotFoundException", error("no key value store at " + path));
            } else if (path.equals(base) && exchange.getRequestMethod().equals("GET")) {
                ObjectNode describe = JSON.createObjectNode().put("KvsARN", arn).put("ItemCount", entries.size())
                        .put("TotalSizeInBytes", 0).put("Created", 1767225600).put("Status", "READY");
                send(exchange, 200, null, describe);
            } else if (path.equals(base + "/keys") && exchange.getRequestMethod().equals("GET")) {
                ArrayNode items = JSON.createArrayNode();
                entries.forEach((key, value) -> items.addObject().put("Key", key).put("Value", value));
                send(exchange, 200, null, JSON.createObjectNode().set("Items", items));
            } else if (path.startsWith(base + "/keys/") && exchange.getRequestMethod().equals("GET")) {
                String key = path.substring((base + "/keys/").length());
                if (entries.containsKey(key)) {
                    send(exchange, 200, null, JSON.createObjectNode().put("Key", key).put("Value", entries.get(key))
                            .put("ItemCount", entries.size()).put("TotalSizeInBytes", 0));
                } else {
                    send(exchange, 404, "ResourceNotFoundException", error("Key not found: " + key));
                }
            } else if (path.equals(base + "/keys") && exchange.getRequestMethod().equals("POST")) {
                if (!etag().equals(exchange.getRequestHeaders().getFirst("If-Match"))) {
                    send(exchange, 409, "ConflictException", error("Pre-condition failed: ETag mismatch"));
                    return;
                }
                JsonNode update = JSON.readTree(new String(body, StandardCharsets.UTF_8));
                update.path("Deletes").forEach(d -> entries.remove(d.get("Key").asText()));
                update.path("Puts").forEach(p -> entries.put(p.get("Key").asText(), p.get("Value").asText()));
                version++;
                send(exchange, 200, null, JSON.createObjectNode().put("ItemCount", entries.size()).put("TotalSizeInBytes", 0));
            } else {
                send(exchange, 400, "ValidationException", error(exchange.getRequestMethod() + " " + path));
            }
        }
    }

    private String etag() {
        return "KV" + version;
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("Message", message);
    }

    private void send(HttpExchange exchange, int status, String errorType, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.getResponseHeaders().add("ETag", etag());
        if (errorType != null) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", errorType);
        }
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
