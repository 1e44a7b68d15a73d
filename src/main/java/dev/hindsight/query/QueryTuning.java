package dev.hindsight.query;

/**
 * How the analyses pick among ways of reading that give the same answers; passed in when the query routes are
 * made, so that tests can force each way on a server of their own.
 *
 * @param packedBits   the bits an event's packed order may take in a paths read (0: never packed)
 * @param unjoinedTail most events after the rollup that a paths read takes whole; with more, it reads only those of
 *                     the start sessions, which costs a join
 * @param denseSlack   how far the start sessions' keys may spread beyond eight slots a start for the paths
 *                     kernel to index them in an array (else it searches their sorted keys)
 */
public record QueryTuning(int packedBits, long unjoinedTail, long denseSlack) {
    /** The tuning a server runs with. */
    public static final QueryTuning DEFAULT = new QueryTuning(62, 200_000, 1 << 20);

    public QueryTuning withPackedBits(int bits) {
        return new QueryTuning(bits, unjoinedTail, denseSlack);
    }

    public QueryTuning withUnjoinedTail(long events) {
        return new QueryTuning(packedBits, events, denseSlack);
    }

    public QueryTuning withDenseSlack(long slack) {
        return new QueryTuning(packedBits, unjoinedTail, slack);
    }
}
