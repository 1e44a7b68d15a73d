package dev.hindsight.query;

import dev.hindsight.query.Analysis.Funnel;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of a funnel (semantics in {@link FunnelQuery}): one scan per step reads its events (see
 * {@link Identities#partRows}), with each step's filter pushed into its scan; {@link UserResolver} resolves their
 * users and {@link FunnelKernel} does the rest. Step 1 reads [from, to); later steps may fall after {@code to}, as
 * long as they are inside the window of an attempt that started before it.
 */
final class FunnelSql {
    private final Dialect d;

    FunnelSql(Dialect d) {
        this.d = d;
    }

    /** The rows, as {@link Identities#partRows} gives them (the part is the step), with step 1's breakdown value. */
    Sql render(Funnel f) {
        List<Identities.Part> parts = new ArrayList<>();
        for (int k = 1; k <= f.steps().size(); k++) {
            long to = k == 1 ? f.scope().toMs() : f.scope().toMs() + f.windowMs();
            String value = k == 1 && f.breakdown() != null ? d.property(f.breakdown().property()) : null;
            parts.add(new Identities.Part(f.scope().fromMs(), to, f.steps().get(k - 1).filter(), value));
        }
        return Identities.partRows(d, f.scope().envId(), parts);
    }
}
