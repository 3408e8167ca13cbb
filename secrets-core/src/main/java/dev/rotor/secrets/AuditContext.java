package dev.rotor.secrets;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Where the application runs, as every audit record states it under {@code where}: the host, the Kubernetes pod,
 * namespace and node, the process id, the application's name and version, and a deployment id the application may set.
 * Detected once, when the client is built ({@link #detect()}), never per event; {@link
 * Secrets.Builder#auditContext(AuditContext)} replaces it, for example to add a deployment id:
 *
 * <pre>{@code
 * Secrets.builder().auditContext(AuditContext.detect().newBuilder().deployment("release-2026-11-25").build())
 * }</pre>
 *
 * <p><b>What {@link #detect()} reads.</b> Environment variables only, the way the Kubernetes downward API sets them
 * (map {@code metadata.name}, {@code metadata.namespace} and {@code spec.nodeName} to them in the pod spec):
 *
 * <ul>
 *   <li>host: {@code HOSTNAME}, else {@code COMPUTERNAME}, else the local host name the JDK reports;
 *   <li>pod: {@code POD_NAME}, else {@code HOSTNAME} when {@code KUBERNETES_SERVICE_HOST} says the process runs in a
 *       pod (Kubernetes sets a pod's host name to its name); otherwise none;
 *   <li>namespace: {@code POD_NAMESPACE}; node: {@code NODE_NAME};
 *   <li>application: {@code ROTOR_APPLICATION}, else {@code OTEL_SERVICE_NAME}; its version: {@code
 *       ROTOR_APPLICATION_VERSION}; deployment: {@code ROTOR_DEPLOYMENT};
 *   <li>process id: the JVM's own.
 * </ul>
 *
 * A variable that is unset or blank leaves its field empty; nothing here is a secret. Immutable and thread-safe.
 */
public final class AuditContext {
    /** The variable the pod's name is read from. */
    public static final String POD_NAME = "POD_NAME";
    /** The variable the pod's namespace is read from. */
    public static final String POD_NAMESPACE = "POD_NAMESPACE";
    /** The variable the node's name is read from. */
    public static final String NODE_NAME = "NODE_NAME";
    /** The variable the application's name is read from. */
    public static final String APPLICATION = "ROTOR_APPLICATION";
    /** The variable the application's version is read from. */
    public static final String APPLICATION_VERSION = "ROTOR_APPLICATION_VERSION";
    /** The variable the deployment id is read from. */
    public static final String DEPLOYMENT = "ROTOR_DEPLOYMENT";

    private static final int MAX_LENGTH = 256;

    private final String host;
    private final String pod;
    private final String namespace;
    private final String node;
    private final Long pid;
    private final String application;
    private final String applicationVersion;
    private final String deployment;

    private AuditContext(Builder b) {
        this.host = b.host;
        this.pod = b.pod;
        this.namespace = b.namespace;
        this.node = b.node;
        this.pid = b.pid;
        this.application = b.application;
        this.applicationVersion = b.applicationVersion;
        this.deployment = b.deployment;
    }

    /** Detects the context from this process's environment (see the class comment). */
    public static AuditContext detect() {
        return detect(System::getenv, AuditContext::localHostName);
    }

    /**
     * Detects the context from {@code environment} (a lookup that answers null for an unset variable), for example a
     * test's map: {@code AuditContext.detect(Map.of("POD_NAME", "orders-7d9f")::get)}. Without {@code HOSTNAME} and
     * {@code COMPUTERNAME} the host is the local host name the JDK reports.
     */
    public static AuditContext detect(Function<String, String> environment) {
        return detect(environment, AuditContext::localHostName);
    }

    static AuditContext detect(Function<String, String> environment, Supplier<String> localHost) {
        Objects.requireNonNull(environment, "environment");
        Function<String, String> env = name -> clean(environment.apply(name));
        Builder b = new Builder();
        String hostname = env.apply("HOSTNAME");
        String host = hostname != null ? hostname : env.apply("COMPUTERNAME");
        b.host = host != null ? host : clean(localHost.get());
        String pod = env.apply(POD_NAME);
        if (pod == null && env.apply("KUBERNETES_SERVICE_HOST") != null) {
            pod = hostname;
        }
        b.pod = pod;
        b.namespace = env.apply(POD_NAMESPACE);
        b.node = env.apply(NODE_NAME);
        b.pid = ProcessHandle.current().pid();
        String app = env.apply(APPLICATION);
        b.application = app != null ? app : env.apply("OTEL_SERVICE_NAME");
        b.applicationVersion = env.apply(APPLICATION_VERSION);
        b.deployment = env.apply(DEPLOYMENT);
        return b.build();
    }

    /** A context with no field set, to build one by hand. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder that starts from this context's fields. */
    public Builder newBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.pod = pod;
        b.namespace = namespace;
        b.node = node;
        b.pid = pid;
        b.application = application;
        b.applicationVersion = applicationVersion;
        b.deployment = deployment;
        return b;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return null;
        }
    }

    private static String clean(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        return v.length() > MAX_LENGTH ? v.substring(0, MAX_LENGTH) : v;
    }

    public Optional<String> host() {
        return Optional.ofNullable(host);
    }

    public Optional<String> pod() {
        return Optional.ofNullable(pod);
    }

    public Optional<String> namespace() {
        return Optional.ofNullable(namespace);
    }

    public Optional<String> node() {
        return Optional.ofNullable(node);
    }

    public Optional<Long> pid() {
        return Optional.ofNullable(pid);
    }

    public Optional<String> application() {
        return Optional.ofNullable(application);
    }

    public Optional<String> applicationVersion() {
        return Optional.ofNullable(applicationVersion);
    }

    public Optional<String> deployment() {
        return Optional.ofNullable(deployment);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AuditContext)) {
            return false;
        }
        AuditContext c = (AuditContext) o;
        return Objects.equals(host, c.host)
                && Objects.equals(pod, c.pod)
                && Objects.equals(namespace, c.namespace)
                && Objects.equals(node, c.node)
                && Objects.equals(pid, c.pid)
                && Objects.equals(application, c.application)
                && Objects.equals(applicationVersion, c.applicationVersion)
                && Objects.equals(deployment, c.deployment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, pod, namespace, node, pid, application, applicationVersion, deployment);
    }

    @Override
    public String toString() {
        return "AuditContext{host=" + host + ", pod=" + pod + ", namespace=" + namespace + ", node=" + node + ", pid="
                + pid + ", application=" + application + ", applicationVersion=" + applicationVersion
                + ", deployment=" + deployment + "}";
    }

    /** Builds an {@link AuditContext}; every field is optional. Not thread-safe. */
    public static final class Builder {
        private String host;
        private String pod;
        private String namespace;
        private String node;
        private Long pid;
        private String application;
        private String applicationVersion;
        private String deployment;

        private Builder() {}

        public Builder host(String host) {
            this.host = clean(host);
            return this;
        }

        public Builder pod(String pod) {
            this.pod = clean(pod);
            return this;
        }

        public Builder namespace(String namespace) {
            this.namespace = clean(namespace);
            return this;
        }

        public Builder node(String node) {
            this.node = clean(node);
            return this;
        }

        public Builder pid(long pid) {
            this.pid = pid;
            return this;
        }

        public Builder application(String application) {
            this.application = clean(application);
            return this;
        }

        public Builder applicationVersion(String version) {
            this.applicationVersion = clean(version);
            return this;
        }

        /** An id of this deployment (a release, a rollout), as the application names it. */
        public Builder deployment(String deployment) {
            this.deployment = clean(deployment);
            return this;
        }

        public AuditContext build() {
            return new AuditContext(this);
        }
    }
}
