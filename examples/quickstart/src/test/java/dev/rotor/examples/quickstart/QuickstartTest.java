package dev.rotor.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Runs the program for a few seconds, in real time, and checks what it prints. */
class QuickstartTest {
    private static final Pattern SUMMARY = Pattern.compile("rotations=(\\d+) queries=(\\d+) failed=(\\d+)");

    @Test
    void run_shortRunWithFastRotations_endsWithACleanSummaryLine() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Quickstart.run(
                new String[] {"--seconds", "5", "--rotate-every", "1", "--workers", "2"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);
        List<String> lines = printed.lines().toList();
        String last = lines.get(lines.size() - 1);
        Matcher m = SUMMARY.matcher(last);
        assertThat(m.matches()).as("last line: %s", last).isTrue();
        assertThat(Integer.parseInt(m.group(1))).as("rotations").isEqualTo(4);
        assertThat(Long.parseLong(m.group(2))).as("queries").isPositive();
        assertThat(Long.parseLong(m.group(3))).as("failed, in:%n%s", printed).isZero();
        assertThat(code).isZero();
        assertThat(lines).filteredOn(l -> SUMMARY.matcher(l).find()).hasSize(1);
        assertThat(lines).anyMatch(l -> l.contains("rotation 4: pool orders now on version"));
        assertThat(printed).doesNotContain("pw");
    }

    @Test
    void run_badOptions_exitsWithTwoAndUsage() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = Quickstart.run(
                new String[] {"--seconds", "2", "--rotate-every", "3"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
