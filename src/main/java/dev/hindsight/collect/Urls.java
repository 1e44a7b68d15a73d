package dev.hindsight.collect;

/** Splits a page URL into path, query and fragment without failing on the malformed URLs browsers do send. */
final class Urls {
    private Urls() {
    }

    static String path(String url) {
        if (url == null) {
            return null;
        }
        int start = afterAuthority(url);
        int end = firstOf(url, start, '?', '#');
        String path = url.substring(start, end);
        return path.isEmpty() ? "/" : path;
    }

    static String query(String url) {
        if (url == null) {
            return null;
        }
        int q = url.indexOf('?', afterAuthority(url));
        int h = url.indexOf('#');
        if (q < 0 || (h >= 0 && h < q)) {
            return null;
        }
        return url.substring(q + 1, h < 0 ? url.length() : h);
    }

    static String hash(String url) {
        if (url == null) {
            return null;
        }
        int h = url.indexOf('#');
        return h < 0 ? null : url.substring(h + 1);
    }

    private static int afterAuthority(String url) {
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return 0;
        }
        int hostStart = scheme + 3;
        return firstOf(url, hostStart, '/', '?', '#');
    }

    private static int firstOf(String s, int from, char... chars) {
        for (int i = from; i < s.length(); i++) {
            for (char c : chars) {
                if (s.charAt(i) == c) {
                    return i;
                }
            }
        }
        return s.length();
    }
}
