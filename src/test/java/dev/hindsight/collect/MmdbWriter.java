package dev.hindsight.collect;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a small database in the MaxMind DB format (https://maxmind.github.io/MaxMind-DB/), for tests: an IPv4
 * binary search tree with 32-bit records, the 16-byte data section separator, the data section (maps, strings,
 * arrays, unsigned integers), then the metadata marker and the metadata map. Each network's record points at its
 * value in the data section.
 */
final class MmdbWriter {
    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF, 'M', 'a', 'x', 'M', 'i', 'n',
        'd', '.', 'c', 'o', 'm'};

    private final String databaseType;
    private final Map<String, Object> networks = new LinkedHashMap<>();

    MmdbWriter(String databaseType) {
        this.databaseType = databaseType;
    }

    /** Maps the IPv4 network {@code cidr} ({@code 81.2.69.0/24}) to {@code value} (maps, lists, strings, longs). */
    MmdbWriter network(String cidr, Object value) {
        networks.put(cidr, value);
        return this;
    }

    void write(Path file) throws IOException {
        // The data section: each network's value, encoded once.
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<int[]> nodes = new ArrayList<>();
        nodes.add(new int[] {-1, -1});
        List<long[]> leaves = new ArrayList<>();
        for (Map.Entry<String, Object> n : networks.entrySet()) {
            String[] parts = n.getKey().split("/");
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int bits = Integer.parseInt(parts[1]);
            int offset = data.size();
            encode(data, n.getValue());
            int node = 0;
            for (int i = 0; i < bits; i++) {
                int bit = (address[i / 8] >> (7 - i % 8)) & 1;
                if (i == bits - 1) {
                    // Marked as data: the value is filled in once the number of nodes is known.
                    nodes.get(node)[bit] = -2 - leaves.size();
                    leaves.add(new long[] {offset});
                } else {
                    if (nodes.get(node)[bit] < 0) {
                        nodes.add(new int[] {-1, -1});
                        nodes.get(node)[bit] = nodes.size() - 1;
                    }
                    node = nodes.get(node)[bit];
                }
            }
        }
        long nodeCount = nodes.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] node : nodes) {
            for (int record : node) {
                long value = record >= 0 ? record : record == -1 ? nodeCount : nodeCount + 16 + leaves.get(-2 - record)[0];
                out.write((int) (value >>> 24));
                out.write((int) (value >>> 16));
                out.write((int) (value >>> 8));
                out.write((int) value);
            }
        }
        out.write(new byte[16]);
        out.writeBytes(data.toByteArray());
        out.writeBytes(METADATA_MARKER);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("node_count", new U32(nodeCount));
        metadata.put("record_size", new U16(32));
        metadata.put("ip_version", new U16(4));
        metadata.put("database_type", databaseType);
        metadata.put("languages", List.of("en"));
        metadata.put("binary_format_major_version", new U16(2));
        metadata.put("binary_format_minor_version", new U16(0));
        metadata.put("build_epoch", 1_764_892_800L);
        metadata.put("description", Map.of("en", "Hindsight test database"));
        encode(out, metadata);
        Files.write(file, out.toByteArray());
    }

    /** An unsigned 16-bit integer of the format (a plain Long is written as uint64). */
    record U16(long value) {
    }

    /** An unsigned 32-bit integer of the format. */
    record U32(long value) {
    }

    private static void encode(ByteArrayOutputStream out, Object value) {
        switch (value) {
            case String s -> {
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                control(out, 2, b.length);
                out.writeBytes(b);
            }
            case U16 u -> unsigned(out, 5, u.value());
            case U32 u -> unsigned(out, 6, u.value());
            case Long l -> unsigned(out, 9, l);
            case Map<?, ?> m -> {
                control(out, 7, m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    encode(out, (String) e.getKey());
                    encode(out, e.getValue());
                }
            }
            case List<?> l -> {
                control(out, 11, l.size());
                l.forEach(v -> encode(out, v));
            }
            default -> throw new IllegalArgumentException("cannot encode " + value);
        }
    }

    /** An unsigned integer in as few big-endian bytes as it needs. */
    private static void unsigned(ByteArrayOutputStream out, int type, long v) {
        int size = 0;
        for (long x = v; x != 0; x >>>= 8) {
            size++;
        }
        control(out, type, size);
        for (int i = size - 1; i >= 0; i--) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** The control byte(s): type in the top 3 bits (0 and an extra byte for types above 7), then the size. */
    private static void control(ByteArrayOutputStream out, int type, int size) {
        int first = (type <= 7 ? type : 0) << 5;
        byte[] extra;
        if (size < 29) {
            first |= size;
            extra = new byte[0];
        } else if (size < 285) {
            first |= 29;
            extra = new byte[] {(byte) (size - 29)};
        } else {
            first |= 30;
            int s = size - 285;
            extra = new byte[] {(byte) (s >> 8), (byte) s};
        }
        out.write(first);
        if (type > 7) {
            out.write(type - 7);
        }
        out.writeBytes(extra);
    }
}
