package caravan.api;

import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * {@code GET /metrics}: the Prometheus scrape where the reference's manifests look for it, the same as
 * {@code /actuator/prometheus} and behind the same role (a viewer's key). Spring Boot gives the health groups extra
 * paths, not the Prometheus endpoint; hence this forward.
 */
@Controller
public class MetricsPath {

    @GetMapping("/metrics")
    public String metrics() {
        return "forward:/actuator/prometheus";
    }
}
