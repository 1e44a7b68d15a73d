package dev.hindsight.collect;

import com.maxmind.db.CHMCache;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.model.CityResponse;
import com.maxmind.geoip2.model.CountryResponse;
import com.maxmind.geoip2.record.Country;
import dev.hindsight.store.RawEvent.Location;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The location of a sender's address, from the MaxMind-format database the operator names with
 * {@code HINDSIGHT_GEOIP_DB} (GeoIP2 or GeoLite2, City or Country, or any database of that format and shape), read
 * with MaxMind's own reader. The country is its ISO 3166-1 code ({@code DE}); the region (the most specific
 * subdivision) and city are their English names. Only the location is kept: the address itself is stored or not as
 * the environment's IP policy says.
 */
public final class GeoIp implements AutoCloseable {
    /** No database: no event has a location. */
    public static final GeoIp NONE = new GeoIp(null, false);

    private final DatabaseReader reader;
    private final boolean city;

    private GeoIp(DatabaseReader reader, boolean city) {
        this.reader = reader;
        this.city = city;
    }

    /** The database at {@code file}, or {@link #NONE} without one; a file that cannot be read stops the start. */
    public static GeoIp open(Optional<Path> file) {
        if (file.isEmpty()) {
            return NONE;
        }
        Path f = file.get();
        if (!Files.isReadable(f)) {
            throw new IllegalArgumentException("HINDSIGHT_GEOIP_DB names " + f + ", which is not a readable file");
        }
        try {
            DatabaseReader r = new DatabaseReader.Builder(f.toFile()).withCache(new CHMCache()).build();
            // A City database answers city(); a Country database only country().
            String type = r.getMetadata().getDatabaseType();
            return new GeoIp(r, type == null || !type.toLowerCase(java.util.Locale.ROOT).contains("country"));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("HINDSIGHT_GEOIP_DB: cannot read " + f + " as a MaxMind database: "
                    + e.getMessage(), e);
        }
    }

    /** The location of {@code ip} (an address as the HTTP edge reports it), or null when unknown. */
    public Location locate(String ip) {
        if (reader == null || ip == null) {
            return null;
        }
        InetAddress address = literal(ip);
        if (address == null) {
            return null;
        }
        try {
            if (city) {
                Optional<CityResponse> r = reader.tryCity(address);
                return r.map(c -> location(c.getCountry(), c.getMostSpecificSubdivision().getName(),
                        c.getCity().getName())).orElse(null);
            }
            Optional<CountryResponse> r = reader.tryCountry(address);
            return r.map(c -> location(c.getCountry(), null, null)).orElse(null);
        } catch (Exception e) {
            // A record of another shape than the database type says: no location, never a lost event.
            return null;
        }
    }

    private static Location location(Country country, String region, String city) {
        String code = country == null ? null : country.getIsoCode();
        if (code == null && region == null && city == null) {
            return null;
        }
        return new Location(code, region, city);
    }

    /** An IP literal as an address, never by a name lookup; null when {@code ip} is not one. */
    static InetAddress literal(String ip) {
        String a = ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip;
        int zone = a.indexOf('%');
        if (zone >= 0) {
            a = a.substring(0, zone);
        }
        boolean v6 = a.contains(":") && a.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        boolean v4 = a.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(a);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (reader != null) {
            try {
                reader.close();
            } catch (IOException ignored) {
                // Closing a memory-mapped file fails only when it was never opened.
            }
        }
    }
}
