package dev.hindsight.privacy;

/** Reduces a client IP address to what the settings allow to be stored. */
public final class IpAddresses {
    private IpAddresses() {
    }

    /**
     * The form of {@code ip} to store under {@code mode}: nothing for {@code none}, and for {@code truncated}
     * the network part only (IPv4 /24, IPv6 /48), which locates a network but not a household.
     */
    public static String forStorage(String ip, String mode) {
        if (ip == null || !mode.equals("truncated")) {
            return null;
        }
        if (ip.contains(":")) {
            // Jetty reports IPv6 peers in brackets; a zone id (%eth0) names an interface, not the network.
            String addr = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
            int zone = addr.indexOf('%');
            if (zone >= 0) {
                addr = addr.substring(0, zone);
            }
            // '::' stands for as many zero groups as are missing (of 8; an IPv4 tail counts as 2).
            int gap = addr.indexOf("::");
            String[] head = groups(gap < 0 ? addr : addr.substring(0, gap));
            String[] tail = groups(gap < 0 ? "" : addr.substring(gap + 2));
            int tailCount = tail.length + (tail.length > 0 && tail[tail.length - 1].contains(".") ? 1 : 0);
            int zeros = 8 - head.length - tailCount;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String g = i < head.length ? head[i] : i < head.length + zeros ? "0"
                        : i - head.length - zeros < tail.length ? tail[i - head.length - zeros] : "0";
                sb.append(g.isEmpty() ? "0" : g).append(':');
            }
            return sb.append(':').toString();
        }
        int last = ip.lastIndexOf('.');
        return last < 0 ? null : ip.substring(0, last) + ".0";
    }

    private static String[] groups(String part) {
        return part.isEmpty() ? new String[0] : part.split(":", -1);
    }
}
