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
            String[] groups = ip.split(":", -1);
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 3 && i < groups.length; i++) {
                sb.append(groups[i].isEmpty() ? "0" : groups[i]).append(':');
            }
            return sb.append(':').toString();
        }
        int last = ip.lastIndexOf('.');
        return last < 0 ? null : ip.substring(0, last) + ".0";
    }
}
