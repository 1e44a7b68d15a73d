package dev.hindsight.query;

import java.util.Arrays;

/**
 * The identity resolution of the {@link Engine} in memory: the user key of an event from its device key, its own
 * identity key and its time, through the environment's identity links read once. Analyses that read millions of
 * rows into Java resolve them here rather than by a join in the engine, which costs more than their whole scan.
 *
 * <p>The rule: the event's own identity, else the identity of the device's link whose span
 * holds the event's time (links ordered by {@code valid_from}, then id; each spans from its {@code valid_from} to
 * the next one's, and the first also covers all earlier time), unless that link is undone, else the device.
 */
final class UserResolver {
    /** The identity key of an event that has none. */
    static final int NONE = Integer.MIN_VALUE;

    // Devices with links, in an open-addressing table of four ints per slot (one cache line holds a probe): the
    // device key, the index of its first link (-1 for an empty slot), the index after its last, and the identity
    // of its only link (most devices have one, answered without reading the link arrays).
    private final int[] slots;
    private final long[] validFrom;
    private final int[] identity;
    // Most events' devices have no link, and a small bitset (in the cache, where the table is not) answers them
    // without a probe: a bit per device key from the smallest linked one to the largest when that span is not
    // too wide (device keys are dense integers), else a bit per slot of a hashed table eight times as large.
    private final long[] linked;
    private final long firstDevice;
    private final long deviceSpan;

    private UserResolver(int devices, int minDevice, int maxDevice, long[] validFrom, int[] identity) {
        int cap = Integer.highestOneBit(Math.max(4, devices * 2 - 1)) << 1;
        this.slots = new int[4 * cap];
        for (int i = 1; i < slots.length; i += 4) {
            slots[i] = -1;
        }
        long span = (long) maxDevice - minDevice + 1;
        boolean direct = span <= Math.max(1L << 20, 64L * devices);
        this.firstDevice = direct ? minDevice : 0;
        this.deviceSpan = direct ? span : -1;
        this.linked = new long[direct ? (int) ((span + 63) >>> 6) : cap / 8];
        this.validFrom = validFrom;
        this.identity = identity;
    }

    /** Whether {@code device} may have links: never false for one that has. */
    private boolean mayBeLinked(int device, int h) {
        if (deviceSpan < 0) {
            return (linked[(h >>> 6) & (linked.length - 1)] & (1L << h)) != 0;
        }
        long off = device - firstDevice;
        return off >= 0 && off < deviceSpan && (linked[(int) (off >>> 6)] & (1L << off)) != 0;
    }

    private void markLinked(int device, int h) {
        if (deviceSpan < 0) {
            linked[(h >>> 6) & (linked.length - 1)] |= 1L << h;
        } else {
            long off = device - firstDevice;
            linked[(int) (off >>> 6)] |= 1L << off;
        }
    }

    /** A resolver of an environment without links: every event's user is its identity, else its device. */
    static UserResolver withoutLinks() {
        return new Links().build();
    }

    /** Reads the links of an environment. */
    static UserResolver load(Engine engine, long envId) {
        Links links = new Links();
        engine.identityLinks(envId, links::add);
        return links.build();
    }

    /** The user key of an event at {@code timeUs} whose {@code actor} is as {@link Engine#partRows} gives it. */
    int resolve(int actor, long timeUs) {
        return actor >= 0 ? actor : resolve(-1 - actor, NONE, timeUs);
    }

    /** The user key of an event of {@code device} at {@code timeUs} sent with {@code identity} ({@link #NONE} if none). */
    int resolve(int device, int identity, long timeUs) {
        if (identity != NONE) {
            return identity;
        }
        int h = mix(device);
        if (!mayBeLinked(device, h)) {
            return device;
        }
        int mask = slots.length / 4 - 1;
        for (int s = (h & mask) * 4; slots[s + 1] >= 0; s = (s + 4) & (slots.length - 1)) {
            if (slots[s] == device) {
                int first = slots[s + 1];
                int end = slots[s + 2];
                if (end - first == 1) {
                    return slots[s + 3] == NONE ? device : slots[s + 3];
                }
                // The last link whose valid_from is at or before the time; the first link covers everything before.
                int i = first;
                for (int lo = first + 1, hi = end - 1; lo <= hi; ) {
                    int mid = (lo + hi) >>> 1;
                    if (validFrom[mid] <= timeUs) {
                        i = mid;
                        lo = mid + 1;
                    } else {
                        hi = mid - 1;
                    }
                }
                int linked = this.identity[i];
                return linked == NONE ? device : linked;
            }
        }
        return device;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Links as read, device by device; an undone link's identity is {@link #NONE}. */
    private static final class Links {
        private int size;
        private int devices;
        private int[] device = new int[1024];
        private int[] identity = new int[1024];
        private long[] validFrom = new long[1024];

        void add(int deviceKey, int identityKey, boolean undone, long validFromUs) {
            if (size == device.length) {
                device = Arrays.copyOf(device, size * 2);
                identity = Arrays.copyOf(identity, size * 2);
                validFrom = Arrays.copyOf(validFrom, size * 2);
            }
            if (size == 0 || device[size - 1] != deviceKey) {
                devices++;
            }
            device[size] = deviceKey;
            identity[size] = undone ? NONE : identityKey;
            validFrom[size] = validFromUs;
            size++;
        }

        UserResolver build() {
            UserResolver r = new UserResolver(devices, size == 0 ? 0 : device[0], size == 0 ? 0 : device[size - 1],
                    Arrays.copyOf(validFrom, size), Arrays.copyOf(identity, size));
            int mask = r.slots.length / 4 - 1;
            for (int i = 0; i < size; ) {
                int end = i + 1;
                while (end < size && device[end] == device[i]) {
                    end++;
                }
                int h = mix(device[i]);
                r.markLinked(device[i], h);
                int s = (h & mask) * 4;
                while (r.slots[s + 1] >= 0) {
                    s = (s + 4) & (r.slots.length - 1);
                }
                r.slots[s] = device[i];
                r.slots[s + 1] = i;
                r.slots[s + 2] = end;
                r.slots[s + 3] = identity[i];
                i = end;
            }
            return r;
        }
    }
}
