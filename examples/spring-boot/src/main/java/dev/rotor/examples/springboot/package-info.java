/**
 * A Spring Boot web application whose database credentials rotate while it serves requests: the Rotor starter binds
 * the HikariCP pool to a file secret laid out like a mounted Kubernetes Secret, and a rotator changes the database
 * passwords and the secret every few seconds.
 *
 * <pre>{@code
 * mvn -B -q -pl examples/spring-boot -am package -DskipTests -Prun
 * curl http://127.0.0.1:8080/accounts/count
 * }</pre>
 */
package dev.rotor.examples.springboot;
