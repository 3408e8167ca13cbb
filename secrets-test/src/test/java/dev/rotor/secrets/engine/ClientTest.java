package dev.rotor.secrets.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.secrets.InventoryEntry;
import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.Secret;
import dev.rotor.secrets.SecretConfigurationException;
import dev.rotor.secrets.SecretDeclaration;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretHandle;
import dev.rotor.secrets.SecretNotFoundException;
import dev.rotor.secrets.SecretState;
import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spi.FetchRequest;
import dev.rotor.secrets.spi.SecretSource;
import dev.rotor.secrets.spi.SecretSourceProvider;
import dev.rotor.secrets.spi.SourceCapability;
import dev.rotor.secrets.test.InMemorySource;
import dev.rotor.secrets.test.InMemorySource.Operation;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client's operations: handles, typed reads, compromise, preload, inventory, close, source discovery. */
class ClientTest {

    static final class DbCredentials {
        public String username;
        public String password;
    }

    @Test
    void handle_followsRotations() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.policy(RefreshPolicy.builder().pollInterval(Duration.ofMinutes(1)).build());
            SecretHandle h = f.secrets.handle("mem:k");
            assertThat(h.value()).isEqualTo("v1");
            f.source.put("k", "v2");
            f.advance(Duration.ofMinutes(1));
            assertThat(h.value()).isEqualTo("v2");
            assertThat(h.toString()).doesNotContain("v2");
        }
    }

    @Test
    void typedRead_mapsFieldsWithJackson() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.start();
            DbCredentials c = f.secrets.get("mem:db", DbCredentials.class);
            assertThat(c.username).isEqualTo("user-1");
            assertThat(c.password).isEqualTo("pass-1");
        }
    }

    @Test
    void refresh_fetchesNow() {
        try (Fixture f = new Fixture()) {
            f.source.put("k", "v1");
            f.start();
            f.secrets.get("mem:k");
            f.source.put("k", "v2");
            assertThat(f.secrets.refresh("mem:k").value()).isEqualTo("v2");
        }
    }

    @Test
    void compromised_revokesRefetchesAndNotifies() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), true);
            f.start();
            String lease = f.secrets.get("mem:db").lease().orElseThrow().id().orElseThrow();
            List<String> seen = new ArrayList<>();
            f.secrets.watch("mem:db", c -> seen.add(c.current().version()));
            Secret old = f.secrets.get("mem:db");
            f.source.capabilities(Set.of(SourceCapability.REVOKE, SourceCapability.RENEW));
            Secret fresh = f.secrets.compromised("mem:db");
            assertThat(fresh.version()).isEqualTo("2");
            assertThat(f.source.revokedLeases()).containsExactly(lease);
            assertThat(seen).containsExactly("1", "2");
            assertThat(old.isWiped()).isTrue();
            assertThat(f.events.types()).contains(SecretEventType.COMPROMISED, SecretEventType.REVOKED);
        }
    }

    @Test
    void compromised_rotatesWhereTheSourceCan() {
        try (Fixture f = new Fixture()) {
            f.source.put("api", "k1");
            f.start();
            f.secrets.get("mem:api");
            Secret fresh = f.secrets.compromised("mem:api");
            assertThat(f.source.count(Operation.ROTATE)).isEqualTo(1);
            assertThat(fresh.value()).isEqualTo("k1-rotated2");
        }
    }

    @Test
    void alternates_offerThePendingThenThePreviousVersion_withoutChangingTheOneInService() {
        try (Fixture f = new Fixture()) {
            f.source.putFields("db", Map.of("password", "p1"));
            f.start();
            assertThat(f.secrets.alternates("mem:db")).isEmpty();
            f.source.putFields("db", Map.of("password", "p2"));
            f.source.stagePending("db", Map.of("password", "p3"));
            f.secrets.refresh("mem:db");

            List<Secret> alternates = f.secrets.alternates("mem:db#password");

            assertThat(alternates)
                    .extracting(s -> s.field("password").orElseThrow())
                    .containsExactly("p3", "p1");
            assertThat(alternates).extracting(Secret::version).containsExactly("3", "1");
            assertThat(f.secrets.get("mem:db").field("password")).hasValue("p2");
            f.source.promotePending("db");
            assertThat(f.secrets.refresh("mem:db").field("password")).hasValue("p3");
            assertThat(f.secrets.alternates("mem:db"))
                    .extracting(s -> s.field("password").orElseThrow())
                    .containsExactly("p2");
        }
    }

    @Test
    void alternates_areEmptyWhereTheSourceCannotTell() {
        try (Fixture f = new Fixture()) {
            f.source.putFields("db", Map.of("password", "p1"));
            f.source.stagePending("db", Map.of("password", "p2"));
            f.source.capabilities(Set.of());
            f.start();
            assertThat(f.secrets.alternates("mem:db")).isEmpty();
            assertThat(f.source.count(Operation.ALTERNATES)).isZero();
        }
    }

    @Test
    void sourceContext_reissue_fetchesMatchingLeasedSecretsNow_andRevokesTheirOldLeases() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/a", Duration.ofHours(1), Duration.ofHours(10), true);
            f.dynamic("db/b", Duration.ofHours(1), Duration.ofHours(10), true);
            f.source.put("static", "s");
            List<dev.rotor.secrets.spi.SourceContext> started = startKeepingTheContext(f);
            String leaseA = f.secrets.get("mem:db/a").lease().orElseThrow().id().orElseThrow();
            f.secrets.get("mem:db/b");
            f.secrets.get("mem:static");

            started.get(0).reissue(ref -> !ref.path().endsWith("/b"));

            assertThat(f.source.fetches("db/a")).isEqualTo(2);
            assertThat(f.source.fetches("db/b")).isEqualTo(1);
            assertThat(f.source.fetches("static")).isEqualTo(1);
            assertThat(f.secrets.get("mem:db/a").field("username")).hasValue("user-2");
            assertThat(f.source.revokedLeases()).containsExactly(leaseA);
            assertThat(started.get(0).executor()).isNotNull();
            assertThat(started.get(0).random().nextDouble()).isEqualTo(0.5);
        }
    }

    @Test
    void sourceContext_reissue_duringARefreshUnderWay_waitsForItThenReissues() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db/a", Duration.ofHours(1), Duration.ofHours(10), true);
            List<dev.rotor.secrets.spi.SourceContext> started = startKeepingTheContext(f);
            f.secrets.get("mem:db/a");
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            // the credentials are replaced while a renewal (sent with the old ones) is under way
            f.source.beforeCall(() -> {
                if (once.compareAndSet(false, true)) {
                    started.get(0).reissue(ref -> true);
                }
            });

            f.advance(Duration.ofMinutes(40));

            assertThat(f.source.count(Operation.RENEW)).isEqualTo(1);
            assertThat(f.source.fetches("db/a"))
                    .as("re-issued after the renewal ended")
                    .isEqualTo(2);
            assertThat(f.secrets.get("mem:db/a").field("username")).hasValue("user-2");
        }
    }

    @Test
    void preload_usesOneBatchCall_andFallsBackToSingleFetchesForWhatTheBatchLeftOut() {
        try (Fixture f = new Fixture()) {
            for (int i = 0; i < 5; i++) {
                f.source.put("s" + i, "v" + i);
            }
            f.source.denyInBatch(Set.of("s3"));
            f.start();
            List<Secret> loaded = f.secrets.preload(List.of("mem:s0", "mem:s1", "mem:s2", "mem:s3", "mem:s4"));
            assertThat(loaded).hasSize(5);
            assertThat(f.source.count(Operation.FETCH_ALL)).isEqualTo(1);
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
            assertThat(f.secrets.get("mem:s3").value()).isEqualTo("v3");
            assertThat(f.source.count(Operation.FETCH)).isEqualTo(1);
        }
    }

    @Test
    void preload_reportsFailuresButKeepsWhatLoaded() {
        try (Fixture f = new Fixture()) {
            f.source.put("a", "va");
            f.source.capabilities(Set.of());
            f.start();
            assertThatThrownBy(() -> f.secrets.preload(List.of("mem:a", "mem:missing")))
                    .isInstanceOf(SecretNotFoundException.class)
                    .hasMessageContaining("mem:missing");
            assertThat(f.source.fetches("a")).isEqualTo(1);
            f.secrets.get("mem:a");
            assertThat(f.source.fetches("a")).isEqualTo(1);
        }
    }

    @Test
    void inventory_listsHeldAndDeclaredSecrets_withOwnerAgeAndFreshness() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.source.put("api", "k");
            f.start(f.builder()
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofDays(30))
                            .build())
                    .declare(SecretDeclaration.of("mem:api").owner("payments").maxAge(Duration.ofDays(1)))
                    .declare(SecretDeclaration.of("mem:later").owner("ops").required(true)));
            f.secrets.get("mem:db");
            f.secrets.get("mem:api");
            Map<String, InventoryEntry> byRef = new java.util.HashMap<>();
            f.secrets.inventory().forEach(e -> byRef.put(e.ref().toString(), e));
            assertThat(byRef).containsOnlyKeys("mem:db", "mem:api", "mem:later");
            InventoryEntry db = byRef.get("mem:db");
            assertThat(db.state()).isEqualTo(SecretState.ACTIVE);
            assertThat(db.version()).contains("1");
            assertThat(db.expiresAt()).contains(f.scheduler.clock().now().plus(Duration.ofHours(1)));
            assertThat(db.nextRefresh()).isPresent();
            assertThat(byRef.get("mem:later").state()).isEqualTo(SecretState.NOT_LOADED);
            assertThat(byRef.get("mem:later").required()).isTrue();
            InventoryEntry api = byRef.get("mem:api");
            assertThat(api.owner()).contains("payments");
            assertThat(api.fresh()).isTrue();
            f.advance(Duration.ofDays(2));
            api = f.secrets.inventory().stream()
                    .filter(e -> e.ref().toString().equals("mem:api"))
                    .findFirst()
                    .orElseThrow();
            assertThat(api.fresh()).isFalse();
        }
    }

    @Test
    void close_revokesLeasesWhenAsked_wipesValues_andRefusesFurtherUse() {
        Fixture f = new Fixture();
        f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
        f.start(f.builder().revokeOnClose(true));
        Secret s = f.secrets.get("mem:db");
        String lease = s.lease().orElseThrow().id().orElseThrow();
        f.secrets.close();
        assertThat(f.source.revokedLeases()).containsExactly(lease);
        assertThat(s.isWiped()).isTrue();
        assertThatThrownBy(s::value).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> f.secrets.get("mem:db"))
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("closed");
        assertThat(f.scheduler.pendingCount()).isZero();
        f.secrets.close();
    }

    @Test
    void unknownScheme_andUnknownParameter_areConfigurationErrors() {
        try (Fixture f = new Fixture()) {
            f.start();
            assertThatThrownBy(() -> f.secrets.get("nope:x"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("no source for scheme 'nope'");
            assertThatThrownBy(() -> f.secrets.get("mem:x?bogus=1"))
                    .isInstanceOf(SecretConfigurationException.class)
                    .hasMessageContaining("unknown parameter 'bogus'")
                    .hasMessageContaining("source=mem");
        }
    }

    @Test
    void builder_rejectsBadOptions_namingThem() {
        assertThatThrownBy(() -> RefreshPolicy.builder().leaseFraction(1.5).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("leaseFraction");
        assertThatThrownBy(() -> RefreshPolicy.builder()
                        .initialBackoff(Duration.ofSeconds(10))
                        .maxBackoff(Duration.ofSeconds(1))
                        .build())
                .hasMessageContaining("maxBackoff");
        assertThatThrownBy(() -> Secrets.builder().discoverSources(false).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("no sources");
        InMemorySource a = new InMemorySource("dup", dev.rotor.secrets.TimeSource.system());
        InMemorySource b = new InMemorySource("dup", dev.rotor.secrets.TimeSource.system());
        assertThatThrownBy(() -> Secrets.builder().source(a).source(b).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("two sources registered for scheme 'dup'");
    }

    @Test
    void source_isStartedOnceWithTheClientsClockAndEventStream() {
        try (Fixture f = new Fixture()) {
            List<dev.rotor.secrets.spi.SourceContext> started = new ArrayList<>();
            SecretSource withLogin = new Constant("login", "v") {
                @Override
                public void start(dev.rotor.secrets.spi.SourceContext context) {
                    started.add(context);
                    context.publish(dev.rotor.secrets.SecretEvent.builder(
                                    SecretEventType.AUTH_LOGIN,
                                    context.timeSource().now())
                            .source("login")
                            .build());
                }
            };
            f.start(f.builder().source(withLogin));
            assertThat(started).isEmpty();
            f.secrets.get("login:a");
            f.secrets.get("login:b");
            assertThat(started).hasSize(1);
            assertThat(started.get(0).timeSource()).isSameAs(f.scheduler.clock());
            assertThat(f.secrets.timeSource()).isSameAs(f.scheduler.clock());
            assertThat(started.get(0).scheduler()).isSameAs(f.scheduler);
            assertThat(f.events.types()).contains(SecretEventType.AUTH_LOGIN);
        }
    }

    @Test
    void boundedCache_evictsUnpinnedEntries_butNeverOneWithAHandle() {
        try (Fixture f = new Fixture()) {
            f.source.put("pinned", "p1");
            for (int i = 0; i < 50; i++) {
                f.source.put("s" + i, "v" + i);
            }
            f.start(f.builder()
                    .maximumEntries(5)
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofMinutes(1))
                            .build()));
            SecretHandle pinned = f.secrets.handle("mem:pinned");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 50; i++) {
                    assertThat(f.secrets.get("mem:s" + i).value()).isEqualTo("v" + i);
                }
            }
            List<String> held = f.secrets.inventory().stream()
                    .map(e -> e.ref().toString())
                    .collect(java.util.stream.Collectors.toList());
            assertThat(held).contains("mem:pinned").hasSizeLessThanOrEqualTo(6);
            f.source.put("pinned", "p2");
            f.advance(Duration.ofMinutes(1));
            assertThat(pinned.value()).isEqualTo("p2");
        }
    }

    @Test
    void boundedCache_keepsTheSecretsThatAreRead_whileManyOthersComeAndGo() {
        try (Fixture f = new Fixture()) {
            f.source.put("hot", "h");
            for (int i = 0; i < 200; i++) {
                f.source.put("s" + i, "v" + i);
            }
            f.start(f.builder().maximumEntries(20));
            for (int i = 0; i < 200; i++) {
                for (int r = 0; r < 3; r++) {
                    assertThat(f.secrets.get("mem:hot").value()).isEqualTo("h");
                }
                assertThat(f.secrets.get("mem:s" + i).value()).isEqualTo("v" + i);
            }
            assertThat(f.source.fetches("hot"))
                    .as("the hot secret was never evicted")
                    .isEqualTo(1);
        }
    }

    @Test
    void health_isDegradedWhileRefreshesFail_andDownWhenARequiredSecretExpires() {
        try (Fixture f = new Fixture()) {
            f.dynamic("db", Duration.ofHours(1), Duration.ofHours(1), false);
            f.source.put("api", "k");
            f.start(f.builder()
                    .refreshPolicy(RefreshPolicy.builder()
                            .pollInterval(Duration.ofDays(1))
                            .build())
                    .declare(SecretDeclaration.of("mem:db").required(true)));
            f.secrets.get("mem:db");
            f.secrets.get("mem:api");
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.UP);

            f.source.goDown();
            f.advance(Duration.ofMinutes(45));
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.DEGRADED);
            assertThat(f.secrets.health().problems())
                    .extracting(e -> e.ref().toString())
                    .containsExactly("mem:db");

            f.advance(Duration.ofMinutes(15));
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.DOWN);

            f.source.recover();
            f.advance(Duration.ofMinutes(5));
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.UP);
        }
    }

    @Test
    void health_isDownWhenARequiredSecretNeverLoads() {
        try (Fixture f = new Fixture()) {
            f.start(f.builder().declare(SecretDeclaration.of("mem:missing").required(true)));
            assertThatThrownBy(() -> f.secrets.get("mem:missing")).isInstanceOf(SecretNotFoundException.class);
            assertThat(f.secrets.health().status()).isEqualTo(dev.rotor.secrets.Health.Status.DOWN);
        }
    }

    // ---- discovery ----

    public static final class AlphaProvider implements SecretSourceProvider {
        @Override
        public String scheme() {
            return "twin";
        }

        @Override
        public SecretSource create() {
            return new Constant("twin", "alpha");
        }
    }

    public static final class BetaProvider implements SecretSourceProvider {
        @Override
        public String scheme() {
            return "twin";
        }

        @Override
        public SecretSource create() {
            return new Constant("twin", "beta");
        }
    }

    public static final class SoloProvider implements SecretSourceProvider {
        @Override
        public String scheme() {
            return "solo";
        }

        @Override
        public SecretSource create() {
            return new Constant("solo", "discovered");
        }
    }

    /** Starts the fixture's client on its in-memory source, keeping the context the client lends the source. */
    private static List<dev.rotor.secrets.spi.SourceContext> startKeepingTheContext(Fixture f) {
        List<dev.rotor.secrets.spi.SourceContext> started = new ArrayList<>();
        SecretSource spy = new ForwardingSource(f.source) {
            @Override
            public void start(dev.rotor.secrets.spi.SourceContext context) {
                started.add(context);
            }
        };
        f.start(Secrets.builder()
                .source(spy)
                .discoverSources(false)
                .scheduler(f.scheduler)
                .executor(dev.rotor.secrets.test.ManualScheduler.directExecutor())
                .random(Fixture.fixedRandom(0.5)));
        return started;
    }

    /** The in-memory source behind another object, so that a test can override one method (here: start). */
    static class ForwardingSource implements SecretSource {
        private final InMemorySource to;

        ForwardingSource(InMemorySource to) {
            this.to = to;
        }

        @Override
        public String scheme() {
            return to.scheme();
        }

        @Override
        public Set<SourceCapability> capabilities() {
            return to.capabilities();
        }

        @Override
        public Secret fetch(FetchRequest request) {
            return to.fetch(request);
        }

        @Override
        public dev.rotor.secrets.Lease renew(
                dev.rotor.secrets.SecretRef ref, dev.rotor.secrets.Lease lease, Duration increment) {
            return to.renew(ref, lease, increment);
        }

        @Override
        public void revoke(dev.rotor.secrets.SecretRef ref, dev.rotor.secrets.Lease lease) {
            to.revoke(ref, lease);
        }
    }

    static class Constant implements SecretSource {
        private final String scheme;
        private final String value;

        Constant(String scheme, String value) {
            this.scheme = scheme;
            this.value = value;
        }

        @Override
        public String scheme() {
            return scheme;
        }

        @Override
        public Secret fetch(FetchRequest request) {
            return Secret.builder(request.ref())
                    .version("1")
                    .value(value)
                    .fetchedAt(java.time.Instant.EPOCH)
                    .build();
        }
    }

    private static ClassLoader providers(Path dir, Class<?>... classes) throws IOException {
        Path services = dir.resolve("META-INF/services");
        Files.createDirectories(services);
        StringBuilder sb = new StringBuilder();
        for (Class<?> c : classes) {
            sb.append(c.getName()).append('\n');
        }
        Files.writeString(services.resolve(SecretSourceProvider.class.getName()), sb.toString());
        return new URLClassLoader(new URL[] {dir.toUri().toURL()}, ClientTest.class.getClassLoader());
    }

    @Test
    void discovery_findsProvidersByScheme(@TempDir Path dir) throws IOException {
        try (Secrets s = Secrets.builder()
                .classLoader(providers(dir, SoloProvider.class))
                .auditLog(false)
                .build()) {
            assertThat(s.get("solo:x").value()).isEqualTo("discovered");
        }
    }

    @Test
    void discovery_twoProvidersForOneScheme_isAClearError(@TempDir Path dir) throws IOException {
        ClassLoader loader = providers(dir, BetaProvider.class, AlphaProvider.class);
        assertThatThrownBy(() -> Secrets.builder().classLoader(loader).build())
                .isInstanceOf(SecretConfigurationException.class)
                .hasMessageContaining("several providers claim scheme 'twin'")
                .hasMessageContaining(AlphaProvider.class.getName())
                .hasMessageContaining(BetaProvider.class.getName());
    }

    @Test
    void discovery_anExplicitSourceWinsOverProviders(@TempDir Path dir) throws IOException {
        ClassLoader loader = providers(dir, BetaProvider.class, AlphaProvider.class);
        try (Secrets s = Secrets.builder()
                .classLoader(loader)
                .source(new Constant("twin", "explicit"))
                .auditLog(false)
                .build()) {
            assertThat(s.get("twin:x").value()).isEqualTo("explicit");
        }
    }
}
