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
 * @param parallelism  the threads of the pool the analyses and their kernels' parallel passes run on
 */
public record QueryTuning(int packedBits, long unjoinedTail, long denseSlack, int parallelism) {
    /** The tuning a server runs with: one analysis thread per core. */
    public static final QueryTuning DEFAULT = new QueryTuning(62, 200_000, 1 << 20,
            Runtime.getRuntime().availableProcessors());

    public QueryTuning {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, not " + parallelism);
        }
    }

    public QueryTuning withPackedBits(int bits) {
        return new QueryTuning(bits, unjoinedTail, denseSlack, parallelism);
    }

    public QueryTuning withUnjoinedTail(long events) {
        return new QueryTuning(packedBits, events, denseSlack, parallelism);
    }

    public QueryTuning withDenseSlack(long slack) {
        return new QueryTuning(packedBits, unjoinedTail, slack, parallelism);
    }

    public QueryTuning withParallelism(int threads) {
        return new QueryTuning(packedBits, unjoinedTail, denseSlack, threads);
    }
}
