package dev.nixfront.cli.client;

import dev.nixfront.api.ApiError;
import java.util.List;

/** The server refused a request: its status and the JSON error it gave. */
public final class ApiException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final transient ApiError error;

    public ApiException(int status, ApiError error) {
        super(describe(status, error));
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return error;
    }

    /** The store paths a 409 says are not published yet (empty for other errors). */
    public List<String> missing() {
        return error.missing() == null ? List.of() : error.missing();
    }

    private static String describe(int status, ApiError error) {
        String label = switch (status) {
            case 401 -> "not authenticated";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 409 -> "conflict";
            case 413 -> "too many items";
            case 422 -> "verification failed";
            default -> "HTTP " + status;
        };
        String reason = error.reason() == null || error.reason().isBlank() ? error.error() : error.reason();
        return label + ": " + reason + (error.field() == null ? "" : " (" + error.field() + ")");
    }
}
