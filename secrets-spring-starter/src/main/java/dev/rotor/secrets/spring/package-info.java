/**
 * Spring Boot auto-configuration for Rotor. This module is a placeholder until the starter lands.
 */
package dev.rotor.secrets.spring;
