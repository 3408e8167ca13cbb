package dev.rotor.examples.springboot;

import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /accounts/count}: one query through the rotating pool per request.
 *
 * <pre>{@code
 * curl http://127.0.0.1:8080/accounts/count     ->  {"count":1000}
 * }</pre>
 */
@RestController
class AccountsController {
    private final JdbcClient jdbc;

    AccountsController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/accounts/count")
    Map<String, Long> count() {
        long count = jdbc.sql("SELECT COUNT(*) FROM ACCOUNTS").query(Long.class).single();
        return Map.of("count", count);
    }
}
