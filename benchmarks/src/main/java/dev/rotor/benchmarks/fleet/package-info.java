/**
 * The fleet simulation: many real Rotor clients on one virtual clock against one simulated store with a request
 * quota, next to a model of the AWS caching client; see {@link dev.rotor.benchmarks.fleet.FleetSimulation}.
 */
package dev.rotor.benchmarks.fleet;
