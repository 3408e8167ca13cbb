package dev.rotor.secrets.kubernetes.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Whether a host is loopback, by its literal form only: no name is ever resolved here. Stateless. */
public final class Loopback {
    private Loopback() {}

    /** {@code localhost}, an IPv4 address in 127.0.0.0/8, or the IPv6 loopback address (bracketed or not). */
    public static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            for (String octet : h.split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return false;
                }
            }
            return h.startsWith("127.");
        }
        if (h.contains(":") && h.matches("[0-9A-Fa-f:.]+")) {
            try {
                return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, never looked up
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
