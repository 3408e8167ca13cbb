package dev.rotor.benchmarks.fleet;

import dev.rotor.secrets.RefreshPolicy;
import dev.rotor.secrets.SecretEvent;
import dev.rotor.secrets.SecretEventType;
import dev.rotor.secrets.SecretRef;
import dev.rotor.secrets.Secrets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Many Rotor clients on one virtual clock against one store with a quota: real {@link Secrets} instances, each with
 * its own {@link StoreSource}, sharing one {@link VirtualScheduler} and one {@link SimulatedStore}, every call on the
 * calling thread (direct executor), so a run is deterministic for a seed. The same scenario can be run with a model of
 * the AWS caching client ({@link AwsCachingModel}) in place of Rotor, against the same store.
 *
 * <p>Every instance holds the same ten secrets (an application's fleet): five static ones, polled; three leased ones
 * (a new credential per fetch, one-hour TTL, not renewable); two that the store rotates on a schedule it announces.
 * Each instance starts at its own moment, reads all ten (the first loads), then reads all ten again every read
 * interval (30 s), counting every read that throws.
 *
 * <pre>
 * java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.rotor.benchmarks.fleet.FleetSimulation \
 *     --scenarios storm,steady,rotation,outage,squeeze --instances 100,1000,10000 --clients rotor,rotor-budget,aws
 * </pre>
 *
 * Not thread-safe; one run at a time.
 */
public final class FleetSimulation {
    /** The scenarios of the fleet simulation. */
    public enum Scenario {
        /** All instances start within 60 s; 90 min. */
        STORM("storm"),
        /** A day (24 h by default) with rotations on schedule and every static secret changed once. */
        STEADY("steady"),
        /** Every static and rotating secret changes at the same moment (30 min in); 50 min. */
        ROTATION("rotation"),
        /** The store fails every call for 5 min (45-50 min in, when the AWS cache's first refreshes fall); 70 min. */
        OUTAGE("outage"),
        /** From 30 min in, the store's quota is half of what the fleet asks for on average; 90 min. */
        SQUEEZE("squeeze");

        final String key;

        Scenario(String key) {
            this.key = key;
        }

        static Scenario of(String key) {
            for (Scenario s : values()) {
                if (s.key.equals(key)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scenario " + key);
        }
    }

    /** Who the instances are. */
    public enum Client {
        /** Rotor on its default policy. */
        ROTOR("rotor"),
        /** Rotor with a per-source request budget (only in the squeeze: the fleet's quota share per instance). */
        ROTOR_BUDGET("rotor-budget"),
        /** The model of the AWS caching client, default configuration (1 h TTL). */
        AWS("aws"),
        ;

        final String key;

        Client(String key) {
            this.key = key;
        }

        static Client of(String key) {
            for (Client c : values()) {
                if (c.key.equals(key)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown client " + key);
        }
    }

    static final long SECOND = SimulatedStore.SECOND;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");
    /** The documented AWS Secrets Manager quotas per region: GetSecretValue and DescribeSecret, per second. */
    static final double AWS_GET_QUOTA = 10_000;

    static final double AWS_DESCRIBE_QUOTA = 40_000;

    static final String[] PATHS = {
        "app/static-0",
        "app/static-1",
        "app/static-2",
        "app/static-3",
        "app/static-4",
        "db/creds-0",
        "db/creds-1",
        "db/creds-2",
        "app/rotating-0",
        "app/rotating-1"
    };
    static final SimulatedStore.Kind[] KINDS = {
        SimulatedStore.Kind.STATIC,
        SimulatedStore.Kind.STATIC,
        SimulatedStore.Kind.STATIC,
        SimulatedStore.Kind.STATIC,
        SimulatedStore.Kind.STATIC,
        SimulatedStore.Kind.LEASED,
        SimulatedStore.Kind.LEASED,
        SimulatedStore.Kind.LEASED,
        SimulatedStore.Kind.ROTATING,
        SimulatedStore.Kind.ROTATING
    };
    static final Duration LEASE_TTL = Duration.ofHours(1);
    static final long OUTAGE_START = 45 * MINUTE;
    static final long OUTAGE_END = 50 * MINUTE;

    /** What one run is. */
    public static final class Config {
        Scenario scenario = Scenario.STORM;
        int instances = 100;
        Client client = Client.ROTOR;
        long seed = 1;
        int readIntervalSeconds = 30;
        /** Overrides the scenario's duration when positive. */
        long durationNanos;

        /** The steady scenario's length. */
        long steadyNanos = 24 * HOUR;

        public Config scenario(Scenario s) {
            scenario = s;
            return this;
        }

        public Config instances(int n) {
            instances = n;
            return this;
        }

        public Config client(Client c) {
            client = c;
            return this;
        }

        public Config seed(long s) {
            seed = s;
            return this;
        }

        public Config duration(Duration d) {
            durationNanos = d.toNanos();
            return this;
        }

        public Config steadyLength(Duration d) {
            steadyNanos = d.toNanos();
            return this;
        }

        public Config readInterval(Duration d) {
            readIntervalSeconds = (int) d.toSeconds();
            return this;
        }
    }

    /** What one run measured. */
    public static final class Result {
        Scenario scenario;
        Client client;
        int instances;
        long durationNanos;
        long windowFromNanos;
        long windowToNanos;
        // requests
        long sourceCalls;
        long storeRequests;
        long storeServed;
        long storeThrottled;
        long storeUnavailable;
        long windowRequests;
        int peakPerSecond;
        /** The peak over the window's 1 s windows, leaving out the minute after each announced rotation. */
        int peakOutsideRotations;

        double meanPerSecond;
        long throttledInWindow;
        int herdPeak = -1;
        double quotaGet;
        double quotaDescribe;
        double quotaAll;
        double budget;
        // reads
        long reads;
        long failedReads;
        // staleness (ns); -1: no change measured
        long maxStaleHeld = -1;
        long maxStaleServed = -1;
        int behindAtEnd;
        long[] events = new long[SecretEventType.values().length];
        // cost
        long latencyP50Micros;
        long latencyP99Micros;
        long wallMillis;
        long tasks;
        long heapMb;

        public long sourceCalls() {
            return sourceCalls;
        }

        public long storeRequests() {
            return storeRequests;
        }

        public long storeServed() {
            return storeServed;
        }

        public long storeThrottled() {
            return storeThrottled;
        }

        public long storeUnavailable() {
            return storeUnavailable;
        }

        public long reads() {
            return reads;
        }

        public long failedReads() {
            return failedReads;
        }

        public long events(SecretEventType type) {
            return events[type.ordinal()];
        }

        long sumPerSecond;

        /** Every request counted in the per-second windows, over the whole run. */
        public long sumPerSecond() {
            return sumPerSecond;
        }

        double peakOverMean() {
            return meanPerSecond == 0 ? 0 : peakPerSecond / meanPerSecond;
        }

        double perThousandPerMinute() {
            double minutes = (windowToNanos - windowFromNanos) / (double) MINUTE;
            return windowRequests / (instances / 1000.0) / minutes;
        }

        static String header() {
            return "| scenario | N | client | req/s mean | peak 1 s | peak/mean (without rotation minutes) |"
                    + " req per 1k inst per min | throttled | unavailable | failed reads |"
                    + " max staleness held / served | herd peak | wall |\n"
                    + "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|";
        }

        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %,d | %s | %,.1f | %,d | %.2f%s | %,.0f | %,d | %,d | %,d of %,d | %s / %s%s | %s | %.0f s |",
                    scenario.key,
                    instances,
                    client.key,
                    meanPerSecond,
                    peakPerSecond,
                    peakOverMean(),
                    peakOutsideRotations == peakPerSecond || meanPerSecond == 0
                            ? ""
                            : String.format(Locale.ROOT, " (%.2f)", peakOutsideRotations / meanPerSecond),
                    perThousandPerMinute(),
                    storeThrottled,
                    storeUnavailable,
                    failedReads,
                    reads,
                    duration(maxStaleHeld),
                    duration(maxStaleServed),
                    behindAtEnd > 0 ? " (" + behindAtEnd + " behind at end)" : "",
                    herdPeak < 0 ? "-" : String.format(Locale.ROOT, "%,d", herdPeak),
                    wallMillis / 1000.0);
        }

        String details() {
            StringBuilder ev = new StringBuilder();
            for (SecretEventType t : SecretEventType.values()) {
                if (events[t.ordinal()] > 0) {
                    ev.append(' ').append(t).append('=').append(events[t.ordinal()]);
                }
            }
            return String.format(
                    Locale.ROOT,
                    "  %s N=%d %s: window %s-%s, store requests %,d (served %,d, throttled %,d, unavailable %,d),"
                            + " source calls %,d; quota get=%s describe=%s all=%s budget=%s; latency p50 %d us p99 %d us;"
                            + " tasks %,d; heap %d MB; events%s",
                    scenario.key,
                    instances,
                    client.key,
                    duration(windowFromNanos),
                    duration(windowToNanos),
                    storeRequests,
                    storeServed,
                    storeThrottled,
                    storeUnavailable,
                    sourceCalls,
                    num(quotaGet),
                    num(quotaDescribe),
                    num(quotaAll),
                    num(budget),
                    latencyP50Micros,
                    latencyP99Micros,
                    tasks,
                    heapMb,
                    ev);
        }

        private static String num(double d) {
            return Double.isInfinite(d) || d == 0 ? "-" : String.format(Locale.ROOT, "%,.4g", d);
        }

        static String duration(long nanos) {
            if (nanos < 0) {
                return "-";
            }
            double s = nanos / (double) SECOND;
            if (s < 120) {
                return String.format(Locale.ROOT, "%.1f s", s);
            }
            if (s < 7200) {
                return String.format(Locale.ROOT, "%.1f min", s / 60);
            }
            return String.format(Locale.ROOT, "%.2f h", s / 3600);
        }
    }

    // ---- one run ----

    private final Config config;
    private final VirtualScheduler scheduler = new VirtualScheduler(EPOCH);
    private final SimulatedStore store;
    private final long[] calls = new long[2];
    private final SecretRef[] refs = new SecretRef[PATHS.length];
    private final String[] refTexts = new String[PATHS.length];
    private final Instance[] fleet;
    private final Result result = new Result();
    private final long duration;

    private FleetSimulation(Config config) {
        this.config = config;
        this.duration = config.durationNanos > 0 ? config.durationNanos : defaultDuration(config);
        this.store = new SimulatedStore(scheduler, duration / SECOND, config.seed * 7919 + 17);
        this.fleet = new Instance[config.instances];
        for (int i = 0; i < PATHS.length; i++) {
            refTexts[i] = StoreSource.SCHEME + ":" + PATHS[i];
            refs[i] = SecretRef.parse(refTexts[i]);
            store.add(PATHS[i], KINDS[i], KINDS[i] == SimulatedStore.Kind.LEASED ? LEASE_TTL : null);
        }
    }

    private static long defaultDuration(Config c) {
        switch (c.scenario) {
            case STORM:
                return 90 * MINUTE;
            case STEADY:
                return c.steadyNanos;
            case ROTATION:
                return 50 * MINUTE;
            case OUTAGE:
                return 70 * MINUTE;
            case SQUEEZE:
                return 90 * MINUTE;
            default:
                throw new IllegalArgumentException(c.scenario.toString());
        }
    }

    /** Runs one scenario for one fleet size and client; answers what it measured. */
    public static Result run(Config config) {
        return new FleetSimulation(config).run();
    }

    private Result run() {
        long wall0 = System.nanoTime();
        result.scenario = config.scenario;
        result.client = config.client;
        result.instances = config.instances;
        result.durationNanos = duration;
        store.quota(SimulatedStore.Op.GET, AWS_GET_QUOTA);
        store.quota(SimulatedStore.Op.DESCRIBE, AWS_DESCRIBE_QUOTA);
        result.quotaGet = AWS_GET_QUOTA;
        result.quotaDescribe = AWS_DESCRIBE_QUOTA;
        result.quotaAll = Double.POSITIVE_INFINITY;
        result.budget = Double.POSITIVE_INFINITY;
        planScenario();
        SplittableRandom starts = new SplittableRandom(config.seed);
        for (int i = 0; i < fleet.length; i++) {
            int index = i;
            long at = starts.nextLong(60 * SECOND);
            scheduler.scheduleAt(at, () -> start(index));
        }
        long step = MINUTE;
        for (long t = step; t < duration + step; t += step) {
            scheduler.advanceTo(Math.min(t, duration), 200_000_000L);
        }
        finish();
        result.wallMillis = (System.nanoTime() - wall0) / 1_000_000;
        return result;
    }

    /** Puts the scenario's changes, outages and quota changes on the clock. */
    private void planScenario() {
        switch (config.scenario) {
            case STORM:
                window(0, duration);
                break;
            case STEADY:
                window(Math.min(HOUR, duration / 2), duration);
                store.rotateOnSchedule("app/rotating-0", HOUR, 6 * HOUR);
                store.rotateOnSchedule("app/rotating-1", 4 * HOUR, 6 * HOUR);
                for (int i = 0; i < 5; i++) {
                    String path = PATHS[i];
                    scheduler.scheduleAt((2 + 4L * i) * HOUR, () -> store.change(path));
                }
                break;
            case ROTATION:
                window(25 * MINUTE, duration);
                long at = 30 * MINUTE;
                store.rotateOnSchedule("app/rotating-0", at, 0);
                store.rotateOnSchedule("app/rotating-1", at, 0);
                scheduler.scheduleAt(at, () -> {
                    for (int i = 0; i < 5; i++) {
                        store.change(PATHS[i]);
                    }
                });
                break;
            case OUTAGE:
                window(40 * MINUTE, duration);
                scheduler.scheduleAt(OUTAGE_START, () -> store.down(true));
                scheduler.scheduleAt(OUTAGE_START + 2 * MINUTE, () -> store.change("app/static-0"));
                scheduler.scheduleAt(OUTAGE_END, () -> store.down(false));
                break;
            case SQUEEZE:
                window(30 * MINUTE, duration);
                double demand = demandPerSecond(config.client, config.instances);
                double quota = demand / 2;
                result.quotaAll = quota;
                if (config.client == Client.ROTOR_BUDGET) {
                    result.budget = quota / config.instances;
                }
                scheduler.scheduleAt(30 * MINUTE, () -> {
                    store.quotaAll(quota);
                });
                scheduler.scheduleAt(50 * MINUTE, () -> store.change("app/static-0"));
                store.rotateOnSchedule("app/rotating-0", 60 * MINUTE, 0);
                break;
            default:
                throw new IllegalStateException();
        }
    }

    private void window(long from, long to) {
        result.windowFromNanos = from;
        result.windowToNanos = to;
    }

    /**
     * What a warm fleet asks of the store per second on average. Rotor, default policy: each of the seven unleased
     * secrets is probed once per poll interval (5 min less up to 10 %, 285 s on average); each leased one is fetched at
     * 2/3 of its lease less up to 1/10 (2,220 s on average). The AWS cache: each secret described once per [TTL/2,
     * TTL] (45 min on average); fetches only on a change.
     */
    static double demandPerSecond(Client client, int instances) {
        if (client == Client.AWS) {
            return instances * PATHS.length / (0.75 * 3600.0);
        }
        return instances * (7 / 285.0 + 3 / 2220.0);
    }

    // ---- the instances ----

    private final class Instance {
        final int index;
        Secrets rotor;
        AwsCachingModel aws;
        /** The newest version held (from the engine's events) and served (to a read), per secret; 0: none. */
        final int[] held = new int[PATHS.length];

        final int[] served = new int[PATHS.length];

        Instance(int index) {
            this.index = index;
        }

        void onEvent(SecretEvent e) {
            result.events[e.type().ordinal()]++;
            if (e.type() != SecretEventType.ROTATED && e.type() != SecretEventType.LOADED) {
                return;
            }
            int i = indexOf(e.ref().orElse(null));
            if (i < 0 || KINDS[i] == SimulatedStore.Kind.LEASED) {
                return;
            }
            int v = Integer.parseInt(e.version().orElse("0"));
            staleness(i, held[i], v, true);
            held[i] = Math.max(held[i], v);
        }

        void readAll() {
            for (int i = 0; i < PATHS.length; i++) {
                result.reads++;
                String version;
                try {
                    version = rotor != null ? rotor.get(refTexts[i]).version() : aws.read(i);
                } catch (RuntimeException e) {
                    result.failedReads++;
                    continue;
                }
                if (KINDS[i] != SimulatedStore.Kind.LEASED) {
                    int v = Integer.parseInt(version);
                    staleness(i, served[i], v, false);
                    if (aws != null) {
                        staleness(i, held[i], v, true);
                        held[i] = Math.max(held[i], v);
                    }
                    served[i] = Math.max(served[i], v);
                }
            }
        }
    }

    private int indexOf(SecretRef ref) {
        if (ref == null) {
            return -1;
        }
        for (int i = 0; i < refs.length; i++) {
            if (refs[i].equals(ref)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * An instance went from version {@code from} to {@code to} of secret {@code i}: it was stale from the moment
     * version {@code from + 1} became current (only changes after its first load count).
     */
    private void staleness(int i, int from, int to, boolean heldNotServed) {
        if (from == 0 || to <= from) {
            return;
        }
        long changed = store.createdAt(PATHS[i], from + 1);
        if (changed < 0) {
            return;
        }
        long stale = scheduler.nowNanos() - changed;
        if (heldNotServed) {
            result.maxStaleHeld = Math.max(result.maxStaleHeld, stale);
        } else {
            result.maxStaleServed = Math.max(result.maxStaleServed, stale);
        }
    }

    private void start(int index) {
        Instance in = new Instance(index);
        fleet[index] = in;
        long seed = config.seed * 1_000_003L + index;
        if (config.client == Client.AWS) {
            in.aws = new AwsCachingModel(store, scheduler, refs, AwsCachingModel.DEFAULT_TTL_NANOS, seed, calls);
        } else {
            Secrets.Builder b = Secrets.builder()
                    .source(new StoreSource(store, scheduler, calls))
                    .discoverSources(false)
                    .auditLog(false)
                    .scheduler(scheduler)
                    .executor(Runnable::run)
                    .random(new SplittableRandom(seed))
                    .eventListener(in::onEvent);
            if (config.client == Client.ROTOR_BUDGET && !Double.isInfinite(result.budget)) {
                b.refreshPolicy(
                        StoreSource.SCHEME,
                        RefreshPolicy.builder().requestsPerSecond(result.budget).build());
            }
            in.rotor = b.build();
        }
        in.readAll();
        long every = config.readIntervalSeconds * SECOND;
        scheduler.schedule(
                new Runnable() {
                    @Override
                    public void run() {
                        in.readAll();
                        scheduler.schedule(this, Duration.ofNanos(every));
                    }
                },
                Duration.ofNanos(every));
    }

    private void finish() {
        long end = scheduler.nowNanos();
        // instances that never caught up with a change: stale at least until the end
        for (Instance in : fleet) {
            if (in == null) {
                continue;
            }
            boolean behind = false;
            for (int i = 0; i < PATHS.length; i++) {
                if (KINDS[i] == SimulatedStore.Kind.LEASED || in.held[i] == 0) {
                    continue;
                }
                int current = store.currentVersion(PATHS[i]);
                if (in.held[i] < current) {
                    behind = true;
                    long changed = store.createdAt(PATHS[i], in.held[i] + 1);
                    result.maxStaleHeld = Math.max(result.maxStaleHeld, end - changed);
                }
                if (in.served[i] < current) {
                    long changed = store.createdAt(PATHS[i], Math.max(1, in.served[i]) + 1);
                    result.maxStaleServed = Math.max(result.maxStaleServed, end - changed);
                }
            }
            if (behind) {
                result.behindAtEnd++;
            }
        }
        result.sourceCalls = calls[0] + calls[1];
        result.storeRequests = store.totalRequests();
        result.storeServed = store.totalServed();
        result.storeThrottled = store.totalThrottled();
        result.storeUnavailable = store.totalUnavailable();
        int[] perSecond = store.perSecond();
        for (int c : perSecond) {
            result.sumPerSecond += c;
        }
        int from = (int) (result.windowFromNanos / SECOND);
        int to = (int) Math.min(perSecond.length, result.windowToNanos / SECOND);
        long sum = 0;
        int peak = 0;
        for (int s = from; s < to; s++) {
            sum += perSecond[s];
            peak = Math.max(peak, perSecond[s]);
        }
        boolean[] rotating = new boolean[perSecond.length];
        for (long r : store.rotations()) {
            for (int s = (int) (r / SECOND); s < Math.min(rotating.length, r / SECOND + 60); s++) {
                rotating[s] = true;
            }
        }
        int quiet = 0;
        for (int s = from; s < to; s++) {
            if (!rotating[s]) {
                quiet = Math.max(quiet, perSecond[s]);
            }
        }
        result.peakOutsideRotations = quiet;
        result.windowRequests = sum;
        result.peakPerSecond = peak;
        result.meanPerSecond = to > from ? sum / (double) (to - from) : 0;
        if (config.scenario == Scenario.OUTAGE) {
            int herd = 0;
            for (int s = (int) (OUTAGE_END / SECOND); s < to; s++) {
                herd = Math.max(herd, perSecond[s]);
            }
            result.herdPeak = herd;
        }
        result.latencyP50Micros = store.latency().getValueAtPercentile(50);
        result.latencyP99Micros = store.latency().getValueAtPercentile(99);
        result.tasks = scheduler.tasksRun();
        Runtime rt = Runtime.getRuntime();
        result.heapMb = (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
        for (Instance in : fleet) {
            if (in != null && in.rotor != null) {
                in.rotor.close();
            }
        }
    }

    // ---- command line ----

    public static void main(String[] args) {
        List<Scenario> scenarios = new ArrayList<>(Arrays.asList(Scenario.values()));
        List<Integer> sizes = List.of(100, 1_000, 10_000);
        List<Client> clients = List.of(Client.ROTOR, Client.ROTOR_BUDGET, Client.AWS);
        Duration steady = Duration.ofHours(24);
        long seed = 1;
        for (int a = 0; a < args.length; a++) {
            String v = a + 1 < args.length ? args[a + 1] : "";
            switch (args[a]) {
                case "--scenarios":
                    scenarios = new ArrayList<>();
                    for (String s : v.split(",")) {
                        scenarios.add(Scenario.of(s.trim()));
                    }
                    a++;
                    break;
                case "--instances":
                    List<Integer> n = new ArrayList<>();
                    for (String s : v.split(",")) {
                        n.add(Integer.parseInt(s.trim().replace("_", "")));
                    }
                    sizes = n;
                    a++;
                    break;
                case "--clients":
                    List<Client> c = new ArrayList<>();
                    for (String s : v.split(",")) {
                        c.add(Client.of(s.trim()));
                    }
                    clients = c;
                    a++;
                    break;
                case "--steady-hours":
                    steady = Duration.ofMinutes(Math.round(Double.parseDouble(v) * 60));
                    a++;
                    break;
                case "--seed":
                    seed = Long.parseLong(v);
                    a++;
                    break;
                default:
                    throw new IllegalArgumentException("unknown option " + args[a]);
            }
        }
        System.out.println("Fleet simulation: 10 secrets per instance (5 static polled, 3 leased 1 h, 2 rotating),"
                + " reads every 30 s; store quotas GetSecretValue " + (long) AWS_GET_QUOTA + "/s, DescribeSecret "
                + (long) AWS_DESCRIBE_QUOTA + "/s unless the scenario says otherwise; seed " + seed);
        List<Result> results = new ArrayList<>();
        for (Scenario s : scenarios) {
            for (int n : sizes) {
                for (Client c : clients) {
                    if (c == Client.ROTOR_BUDGET && s != Scenario.SQUEEZE) {
                        continue; // the budget is the squeeze's subject; elsewhere it would equal the default run
                    }
                    Config cfg = new Config()
                            .scenario(s)
                            .instances(n)
                            .client(c)
                            .seed(seed)
                            .steadyLength(steady);
                    Result r = run(cfg);
                    results.add(r);
                    System.out.println(r.details());
                    System.out.flush();
                }
            }
        }
        System.out.println();
        System.out.println(Result.header());
        for (Result r : results) {
            System.out.println(r.row());
        }
    }
}
