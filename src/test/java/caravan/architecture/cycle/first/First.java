package caravan.architecture.cycle.first;

import caravan.architecture.cycle.second.Second;

/** Half of a deliberate package cycle, which the architecture rule must reject. */
public class First {

    Second second;
}
