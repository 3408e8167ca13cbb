package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.spring.internal.PropertiesRebinder;
import dev.rotor.secrets.test.LeakCheck;
import dev.rotor.secrets.test.ManualScheduler;
import dev.rotor.secrets.test.MountedSecretDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.Banner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @ConfigurationProperties} beans re-bound in place when a secret imported with {@code
 * spring.config.import=rotor:...} rotates, through a real (non-web) SpringApplication on mounted secret directories
 * and a manual scheduler; the log lines and events are scanned for the planted values.
 */
class RotorRebindTest {
    private static final String USER = "PLANTED-rebind-user-71c0";
    private static final String PASS = "PLANTED-rebind-pass-2e9d";
    private static final String PASS_2 = "PLANTED-rebind-pass-v2-b4a1";
    private static final String BAD_SIZE = "PLANTED-not-a-number-5f3e";
    private static final List<RotorPropertiesReboundEvent> REBOUND = new CopyOnWriteArrayList<>();

    @TempDir
    Path tmp;

    private final ManualScheduler scheduler = new ManualScheduler();
    private String loggingSystem;
    private LeakCheck leaks;

    /** The database settings, bound from the imported secret's fields. */
    public static class DbProperties {
        private String username;
        private String password;
        private String url = "jdbc:h2:mem:orders";

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }
    }

    /** Bound from ordinary configuration, nothing imported. */
    public static class OtherProperties {
        private String name;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }
    }

    /** A pool size and its owner, bound from a second imported secret; a size that is not a number fails to bind. */
    @ConfigurationProperties("pool")
    public static class PoolProperties {
        private int size;
        private String owner;

        public int getSize() {
            return size;
        }

        public void setSize(int size) {
            this.size = size;
        }

        public String getOwner() {
            return owner;
        }

        public void setOwner(String owner) {
            this.owner = owner;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({RotorAutoConfiguration.class, RotorRebindAutoConfiguration.class})
    @EnableConfigurationProperties(PoolProperties.class)
    static class App {
        @Bean
        @ConfigurationProperties("app.db")
        DbProperties dbProperties() {
            return new DbProperties();
        }

        @Bean
        @ConfigurationProperties("other")
        OtherProperties otherProperties() {
            return new OtherProperties();
        }

        @Bean
        ApplicationListener<RotorPropertiesReboundEvent> rebound() {
            return REBOUND::add;
        }
    }

    @BeforeEach
    void captureLogs() {
        REBOUND.clear();
        // keep Spring Boot from re-initialising logback (which would drop the capturing appender)
        loggingSystem = System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
        leaks = LeakCheck.builder().plant(USER, PASS, PASS_2, BAD_SIZE).start();
    }

    @AfterEach
    void scan() {
        try {
            leaks.check(REBOUND);
            leaks.close(); // fails on any planted value in a log line, an event or an exception
        } finally {
            if (loggingSystem == null) {
                System.clearProperty("org.springframework.boot.logging.LoggingSystem");
            } else {
                System.setProperty("org.springframework.boot.logging.LoggingSystem", loggingSystem);
            }
        }
    }

    private ConfigurableApplicationContext start(String... args) {
        SpringApplication app = new SpringApplication(App.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setBannerMode(Banner.Mode.OFF);
        app.setLogStartupInfo(false);
        app.addBootstrapRegistryInitializer(registry -> registry.register(
                RotorSecretsCustomizer.class, BootstrapRegistry.InstanceSupplier.of(b -> b.scheduler(scheduler)
                        .executor(ManualScheduler.directExecutor())
                        .eventListener(leaks))));
        String[] all = new String[args.length + 2];
        all[0] = "--rotor.audit.enabled=false";
        all[1] = "--other.name=orders";
        System.arraycopy(args, 0, all, 2, args.length);
        return app.run(all);
    }

    @Test
    void rotation_rebindsTheBeanWhosePrefixCoversTheRotatedProperties_inPlace_andNoOther() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context =
                start("--spring.config.import=rotor:" + ref + "?prefix=app.db.")) {
            DbProperties props = context.getBean(DbProperties.class);
            OtherProperties other = context.getBean(OtherProperties.class);
            assertThat(props.getPassword()).isEqualTo(PASS);
            other.setName("changed-by-the-application"); // a re-bind of this bean would undo it

            db.write(Map.of("username", USER, "password", PASS_2));
            context.getBean(Secrets.class).refresh(ref);

            assertThat(context.getBean(DbProperties.class)).isSameAs(props);
            assertThat(props.getPassword()).isEqualTo(PASS_2);
            assertThat(props.getUsername()).isEqualTo(USER);
            assertThat(props.getUrl()).isEqualTo("jdbc:h2:mem:orders");
            assertThat(other.getName()).isEqualTo("changed-by-the-application");
            assertThat(REBOUND).singleElement().satisfies(e -> {
                assertThat(e.ref()).isEqualTo(ref);
                assertThat(e.version()).isEqualTo("2");
                assertThat(e.rebound()).containsExactly("dbProperties");
                assertThat(e.failed()).isEmpty();
            });
        }
    }

    @Test
    void rotation_toAValueThatFailsToBind_keepsEveryPreviousValue_andSaysSoWithoutTheValue() {
        MountedSecretDirectory pool =
                MountedSecretDirectory.in(tmp.resolve("pool")).write(Map.of("size", "8", "owner", USER));
        String ref = "file:" + pool.dir();
        try (ConfigurableApplicationContext context = start("--spring.config.import=rotor:" + ref + "?prefix=pool.")) {
            PoolProperties props = context.getBean(PoolProperties.class);
            assertThat(props.getSize()).isEqualTo(8);

            pool.write(Map.of("size", BAD_SIZE, "owner", "someone-else"));
            context.getBean(Secrets.class).refresh(ref);

            assertThat(context.getEnvironment().getProperty("pool.size")).isEqualTo(BAD_SIZE);
            assertThat(props.getSize()).isEqualTo(8);
            assertThat(props.getOwner()).isEqualTo(USER); // not half re-bound: the owner did not move either
            assertThat(REBOUND).singleElement().satisfies(e -> {
                assertThat(e.rebound()).isEmpty();
                assertThat(e.failed()).singleElement().asString().contains("PoolProperties");
            });
            assertThat(leaks.logLines())
                    .anyMatch(line -> line.contains(PropertiesRebinder.class.getName())
                            && line.contains("kept the @ConfigurationProperties bean")
                            && line.contains("pool.size"));

            // a later good version is re-bound again
            pool.write(Map.of("size", "12", "owner", "someone-else"));
            context.getBean(Secrets.class).refresh(ref);
            assertThat(props.getSize()).isEqualTo(12);
            assertThat(props.getOwner()).isEqualTo("someone-else");
        }
    }

    @Test
    void rebindDisabledByProperty_leavesTheBeanOnItsValues() {
        MountedSecretDirectory db =
                MountedSecretDirectory.in(tmp.resolve("db")).write(Map.of("username", USER, "password", PASS));
        String ref = "file:" + db.dir();
        try (ConfigurableApplicationContext context = start(
                "--spring.config.import=rotor:" + ref + "?prefix=app.db.", "--rotor.config.rebind.enabled=false")) {
            assertThat(context.getBeansOfType(PropertiesRebinder.class)).isEmpty();
            DbProperties props = context.getBean(DbProperties.class);

            db.write(Map.of("username", USER, "password", PASS_2));
            context.getBean(Secrets.class).refresh(ref);

            assertThat(context.getEnvironment().getProperty("app.db.password")).isEqualTo(PASS_2);
            assertThat(props.getPassword()).isEqualTo(PASS);
            assertThat(REBOUND).isEmpty();
        }
    }
}
