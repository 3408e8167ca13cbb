package dev.rotor.secrets.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.rotor.secrets.Secrets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class AuditPropertyTest {
    private final Fixture fx = new Fixture();
    private final ListAppender<ILoggingEvent> audit = new ListAppender<>();
    private Logger logger;

    @BeforeEach
    void capture() {
        logger = (Logger) LoggerFactory.getLogger("rotor.audit");
        audit.start();
        logger.addAppender(audit);
    }

    @AfterEach
    void release() {
        logger.detachAppender(audit);
        audit.stop();
    }

    @Test
    void audit_enabledByDefault_logsEveryEvent() {
        fx.runner().withPropertyValues("rotor.audit.enabled=true").run(context -> context.getBean(Secrets.class)
                .get("mem:app/key"));
        assertThat(audit.list).isNotEmpty();
        assertThat(audit.list).noneMatch(e -> e.getFormattedMessage().contains(Fixture.STATIC_VALUE));
    }

    @Test
    void audit_disabled_logsNothing() {
        fx.runner().withPropertyValues("rotor.audit.enabled=false").run(context -> context.getBean(Secrets.class)
                .get("mem:app/key"));
        assertThat(audit.list).isEmpty();
    }
}
