package caravan;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Caravan hub. Route builders live in package {@code routes}, outside this one, so both are scanned. */
@SpringBootApplication(scanBasePackages = {"caravan", "routes"})
@ConfigurationPropertiesScan("caravan")
public class CaravanApplication {

    public static void main(String[] args) {
        SpringApplication.run(CaravanApplication.class, args);
    }
}
