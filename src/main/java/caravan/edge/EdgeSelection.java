package caravan.edge;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import caravan.api.Problems;
import caravan.edge.EdgeRegistry.Edge;

/** The edges a request names, by a list of ids or by a label selector, for groups, triggers and schedules. */
public final class EdgeSelection {

    private EdgeSelection() {
    }

    /**
     * @param idsField what the request calls its list ({@code edgeIds}, {@code deviceIds})
     * @param eligible which edges the request may name (streaming devices only, for triggers); ids of others are
     *                 problems, selectors skip them
     * @param kind     how problems name what {@code eligible} admits ({@code edge}, {@code streaming device})
     */
    public static List<Edge> select(EdgeRegistry registry, List<String> ids, Map<String, String> selector,
            String idsField, Predicate<Edge> eligible, String kind, Problems problems) {
        if ((ids == null) == (selector == null)) {
            problems.add("give either " + idsField + " (a list) or selector (labels to match), not both or neither");
            return List.of();
        }
        List<Edge> edges = new ArrayList<>();
        if (ids != null) {
            if (ids.isEmpty()) {
                problems.add(idsField + " must be a non-empty list of " + kind + " ids");
            }
            for (String id : ids) {
                registry.edge(id).filter(eligible).ifPresentOrElse(edges::add,
                        () -> problems.add(idsField + " names " + id + ", which is not a known " + kind));
            }
            return edges;
        }
        if (selector.isEmpty()) {
            problems.add("selector must be an object of labels, e.g. {\"site\": \"hall-a\"}");
            return List.of();
        }
        registry.edges().stream().filter(eligible)
                .filter(edge -> edge.labels().entrySet().containsAll(selector.entrySet()))
                .forEach(edges::add);
        if (edges.isEmpty()) {
            problems.add("selector " + selector + " matches no " + kind);
        }
        return edges;
    }
}
