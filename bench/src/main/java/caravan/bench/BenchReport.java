package caravan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** What every benchmark's results start with (the machine, date and commit), and how they are written. */
final class BenchReport {

    private BenchReport() {
    }

    /**
     * A result's opening fields: the benchmark, today's date, the commit ({@code commit=} argument) and the machine
     * (cores, memory, JVM, and the version of what the benchmark ran against: {@code broker}, {@code engine}).
     */
    static Map<String, Object> start(String benchmark, Map<String, String> args, String against, String version)
            throws IOException {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryMb", memoryMb());
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put(against, version);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("benchmark", benchmark);
        result.put("date", LocalDate.now().toString());
        result.put("commit", args.getOrDefault("commit", "unknown"));
        result.put("machine", machine);
        return result;
    }

    /** "Date …, commit …, N cores, M MB, JVM, the version of what it ran against." */
    @SuppressWarnings("unchecked")
    static String headline(Map<String, Object> result) {
        List<Object> machine = List.copyOf(((Map<String, Object>) result.get("machine")).values());
        return "Date " + result.get("date") + ", commit " + result.get("commit") + ", " + machine.get(0) + " cores, "
                + machine.get(1) + " MB, " + machine.get(2) + ", " + machine.get(3) + ".";
    }

    /** {@code <name>-<date>-<commit>}: another commit's run on the same day keeps this one. */
    static String fileName(String name, Map<String, Object> result) {
        return name + "-" + result.get("date") + "-" + result.get("commit");
    }

    /** Writes {@code <file>.json} and {@code .md} in the {@code out=} folder (default bench/results); prints the md. */
    static void write(Map<String, String> args, String file, Map<String, Object> result, CharSequence markdown)
            throws IOException {
        Path out = Path.of(args.getOrDefault("out", "bench/results"));
        Files.createDirectories(out);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(out.resolve(file + ".json").toFile(), result);
        Files.writeString(out.resolve(file + ".md"), markdown);
        System.out.println();
        System.out.println(markdown);
        System.out.println("written to " + out.resolve(file + ".md") + " and .json");
    }

    private static long memoryMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
