package dev.hindsight.report;

/** The bounds of saved reports and dashboards (README, "Saved reports and dashboards"). */
final class ReportLimits {
    static final int NAME_CHARS = 200;
    static final int DESCRIPTION_CHARS = 2_000;
    /** A saved query's JSON text; real queries take a few hundred bytes, a 50-series graph a few KiB. */
    static final int QUERY_BYTES = 64 * 1024;
    static final int REPORTS_PER_ENVIRONMENT = 1_000;
    static final int DASHBOARDS_PER_ENVIRONMENT = 200;
    static final int REPORTS_PER_DASHBOARD = 25;
    static final int PAGE_DEFAULT = 50;
    static final int PAGE_MAX = 200;
    /** The answer cache's share of the heap, and its most bytes whatever the heap. */
    static final long CACHE_MAX_BYTES = 64L << 20;
    static final int CACHE_HEAP_FRACTION = 16;

    private ReportLimits() {
    }

    /** The answer cache's size on this JVM. */
    static long cacheBytes() {
        return Math.min(CACHE_MAX_BYTES, Runtime.getRuntime().maxMemory() / CACHE_HEAP_FRACTION);
    }
}
