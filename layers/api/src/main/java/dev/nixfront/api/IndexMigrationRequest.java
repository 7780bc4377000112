package dev.nixfront.api;

/**
 * {@code POST /v1/index-migration}: {@code {"from":"team"}} moves the path listings of the live
 * caches named {@code from} and after (by name; all of them without {@code from}) into the sharded
 * index, for as long as one request may run. Answered by an {@link IndexMigrationResponse}; the
 * caller repeats with its {@code next} until that is null. Admins of all caches only.
 *
 * @param from null means from the first cache
 */
public record IndexMigrationRequest(String from) {
}
