package dev.rotor.secrets.spring.internal;

import dev.rotor.secrets.spring.RotorPropertiesReboundEvent;
import dev.rotor.secrets.spring.RotorSecretRotatedEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.boot.context.properties.ConfigurationPropertiesBindingPostProcessor;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindMethod;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.context.ApplicationListener;
import org.springframework.util.ClassUtils;

/**
 * Re-binds {@code @ConfigurationProperties} beans in place when a secret imported with {@code
 * spring.config.import=rotor:...} rotates, so that {@code props.getPassword()} answers the new value without a
 * refresh scope: only the beans whose prefix covers one of the rotated property names (in Spring's relaxed form).
 *
 * <p>Each bean is bound anew into a fresh instance of its class, through the context's own binding post-processor
 * (the same conversion and {@code @Validated} validation as at start-up); only when that succeeds are its bean
 * properties copied onto the live instance, so a bean that fails to re-bind (a value that does not convert, a
 * validation that fails) keeps every previous value, and a warning names the bean, its prefix, the ref and the
 * failure's class (never a value, nor Spring's message, which quotes the value). Beans bound through their
 * constructor (immutable ones, records) cannot change in place and are reported as not re-bound. The copy is not
 * atomic: a thread reading the bean during it may see some new and some old values.
 *
 * <p>Runs on the Rotor engine thread that delivered the rotation; publishes a {@link RotorPropertiesReboundEvent}
 * when any bean was concerned.
 */
public final class PropertiesRebinder implements ApplicationListener<RotorSecretRotatedEvent>, ApplicationContextAware {
    private static final Logger LOG = LoggerFactory.getLogger(PropertiesRebinder.class);

    private ApplicationContext context;

    @Override
    public void setApplicationContext(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public void onApplicationEvent(RotorSecretRotatedEvent event) {
        List<ConfigurationPropertyName> rotated = new ArrayList<>();
        for (String name : event.propertyNames()) {
            ConfigurationPropertyName n = ConfigurationPropertyName.adapt(name, '.');
            if (!n.isEmpty()) {
                rotated.add(n);
            }
        }
        if (rotated.isEmpty()) {
            return;
        }
        Map<String, ConfigurationPropertiesBean> beans = ConfigurationPropertiesBean.getAll(context);
        List<String> rebound = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (ConfigurationPropertiesBean bean : beans.values()) {
            String prefix = prefix(bean.getAnnotation());
            if (!covers(prefix, rotated)) {
                continue;
            }
            String why = rebind(bean);
            if (why == null) {
                rebound.add(bean.getName());
            } else {
                failed.add(bean.getName());
                LOG.warn(
                        "Rotor kept the @ConfigurationProperties bean {} (prefix '{}') on its previous values after {}"
                                + " rotated to version {}: {}",
                        bean.getName(),
                        prefix,
                        event.ref(),
                        event.version(),
                        why);
            }
        }
        if (rebound.isEmpty() && failed.isEmpty()) {
            return;
        }
        if (!rebound.isEmpty()) {
            LOG.info("Rotor re-bound {} after {} rotated to version {}", rebound, event.ref(), event.version());
        }
        context.publishEvent(new RotorPropertiesReboundEvent(this, event.ref(), event.version(), rebound, failed));
    }

    private static String prefix(ConfigurationProperties annotation) {
        String prefix = annotation.prefix();
        return prefix.isEmpty() ? annotation.value() : prefix;
    }

    /** Whether a bean bound under {@code prefix} reads one of the {@code rotated} properties. */
    static boolean covers(String prefix, List<ConfigurationPropertyName> rotated) {
        ConfigurationPropertyName p = ConfigurationPropertyName.of(prefix);
        for (ConfigurationPropertyName n : rotated) {
            if (p.isEmpty() || p.equals(n) || p.isAncestorOf(n)) {
                return true;
            }
        }
        return false;
    }

    /** Re-binds {@code bean} in place; null when it was, else why not (no value, no foreign message). */
    private String rebind(ConfigurationPropertiesBean bean) {
        if (bean.asBindTarget().getBindMethod() == BindMethod.VALUE_OBJECT) {
            return "it is bound through its constructor and cannot change in place";
        }
        Object live = bean.getInstance();
        Class<?> type = ClassUtils.getUserClass(live);
        Object fresh;
        try {
            fresh = BeanUtils.instantiateClass(type);
        } catch (RuntimeException e) {
            return "no fresh instance of " + type.getName() + " could be made ("
                    + e.getClass().getSimpleName() + ")";
        }
        try {
            ConfigurationPropertiesBindingPostProcessor binder = context.getBean(
                    ConfigurationPropertiesBindingPostProcessor.BEAN_NAME,
                    ConfigurationPropertiesBindingPostProcessor.class);
            binder.postProcessBeforeInitialization(fresh, bean.getName());
        } catch (RuntimeException e) {
            return "binding failed (" + describe(e) + ")";
        }
        try {
            BeanUtils.copyProperties(fresh, live);
        } catch (RuntimeException e) {
            return "copying the new values failed (" + e.getClass().getSimpleName() + ")";
        }
        return null;
    }

    /** The failure's class and, for a binding failure, the property's name: Spring's messages quote the value. */
    private static String describe(Throwable e) {
        int depth = 0;
        for (Throwable c = e; c != null && depth < 16; c = c.getCause(), depth++) {
            if (c instanceof BindException) {
                return c.getClass().getSimpleName() + " at property " + ((BindException) c).getName()
                        + (c.getCause() == null
                                ? ""
                                : ", " + c.getCause().getClass().getSimpleName());
            }
        }
        return e.getClass().getSimpleName();
    }
}
