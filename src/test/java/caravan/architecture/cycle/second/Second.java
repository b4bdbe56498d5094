package caravan.architecture.cycle.second;

import caravan.architecture.cycle.first.First;

/** The other half of the deliberate cycle. */
public class Second {

    First first;
}
