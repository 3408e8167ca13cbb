package dev.rotor.secrets.spring;

import dev.rotor.secrets.Secrets;
import dev.rotor.secrets.audit.ChainedAuditFile;
import java.nio.file.Path;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Writes every lifecycle event of the {@link Secrets} bean to a tamper-evident {@link ChainedAuditFile} when both
 * {@code rotor.audit.file.path} and {@code rotor.audit.file.key-ref} are set (off otherwise). The file is closed,
 * with a close record, before the client. Published as a {@link
 * RotorAuditFile} (not as an event listener bean, which the client would collect); backs off when the application
 * defines its own {@link RotorAuditFile}.
 *
 * <pre>{@code
 * rotor.audit.file.path=/var/log/app/audit.jsonl
 * rotor.audit.file.key-ref=file:/run/secrets/audit-key
 * rotor.audit.file.max-size=10MB        # default
 * rotor.audit.file.queue-capacity=8192  # default
 * }</pre>
 */
@AutoConfiguration(after = RotorAutoConfiguration.class)
@ConditionalOnBean(Secrets.class)
@ConditionalOnProperty(
        prefix = "rotor.audit.file",
        name = {"path", "key-ref"})
public class RotorAuditFileAutoConfiguration {
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public RotorAuditFile rotorAuditFile(Secrets secrets, RotorProperties properties) {
        RotorProperties.Audit.AuditFile file = properties.getAudit().getFile();
        ChainedAuditFile audit = ChainedAuditFile.builder()
                .path(Path.of(file.getPath()))
                .key(secrets, file.getKeyRef())
                .maxSize(file.getMaxSize().toBytes())
                .queueCapacity(file.getQueueCapacity())
                .build();
        secrets.addEventListener(audit);
        return new RotorAuditFile(audit);
    }
}
