package com.acme.rollout;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gate queries name only what the functions really export (a captured scrape,
 * src/test/resources/prometheus/functions-scrape.om) and what the PodMonitor adds; the test fixtures write the
 * same names.
 */
class GateQueriesTests {
    private static final Pattern SERIES = Pattern.compile("^([a-z_]+)\\{([^}]*)}", Pattern.MULTILINE);
    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"");
    private static final Pattern SELECTOR = Pattern.compile("([a-z_:]+)\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([a-z_]+)(=~|!~|!=|=)\"");

    static String realScrape() throws IOException {
        try (InputStream in = GateQueriesTests.class.getResourceAsStream("/prometheus/functions-scrape.om")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Set<String> names(String scrape, Set<String> labels) {
        Set<String> metrics = new TreeSet<>();
        Matcher series = SERIES.matcher(scrape);
        while (series.find()) {
            metrics.add(series.group(1));
            Matcher label = LABEL.matcher(series.group(2));
            while (label.find()) {
                labels.add(label.group(1));
            }
        }
        return metrics;
    }

    static Properties queries() throws IOException {
        Properties properties = new Properties();
        try (InputStream in = GateQueriesTests.class.getResourceAsStream(GateQueries.RESOURCE)) {
            properties.load(in);
        }
        return properties;
    }

    @Test
    void everyMetricAndLabelTheQueriesUseIsInTheRealScrapeOrAddedByThePodMonitor() throws IOException {
        Set<String> labels = new TreeSet<>(ScrapeFixture.POD_MONITOR_LABELS);
        Set<String> metrics = names(realScrape(), labels);
        assertThat(queries().stringPropertyNames()).containsExactlyInAnyOrderElementsOf(GateQueries.NAMES);
        GateQueries queries = GateQueries.load();
        for (String name : GateQueries.NAMES) {
            // A negative matcher on a misspelt label matches every series: only the names can catch it.
            Matcher selector = SELECTOR.matcher(queries.render(name, "prod", "order-webhook", "order-webhook-v2",
                    Duration.ofMinutes(2)));
            int found = 0;
            while (selector.find()) {
                found++;
                assertThat(metrics).as(name).contains(selector.group(1));
                Matcher matcher = MATCHER.matcher(selector.group(2));
                while (matcher.find()) {
                    assertThat(labels).as(name + ": label of " + selector.group(1)).contains(matcher.group(1));
                }
            }
            assertThat(found).as(name + " selects series").isPositive();
        }
    }

    @Test
    void everyQueryJudgesTheSameRequestsAndOnlyTheStatusMatcherDiffers() {
        GateQueries queries = GateQueries.load();
        Set<String> judged = new TreeSet<>();
        Set<String> statuses = new TreeSet<>();
        for (String name : GateQueries.NAMES) {
            Matcher selector = SELECTOR.matcher(queries.render(name, "prod", "order-webhook", "order-webhook-v2",
                    Duration.ofMinutes(2)));
            while (selector.find()) {
                String labels = selector.group(2);
                Matcher status = Pattern.compile(",status=~\"([^\"]*)\"").matcher(labels);
                assertThat(status.find()).as(name + ": " + labels).isTrue();
                statuses.add(status.group(1));
                judged.add(selector.group(1).replaceAll("_(count|bucket)$", "") + "{" + status.replaceAll("") + "}");
            }
        }
        assertThat(judged).containsExactly("http_server_requests_seconds{namespace=\"prod\",service=\"order-webhook\","
                + "revision=\"order-webhook-v2\",uri!=\"\",uri!~\"/actuator/.*\"}");
        assertThat(statuses).containsExactlyInAnyOrder("[1-5][0-9][0-9]", "5[0-9][0-9]", "401|403");
    }

    @Test
    void theProbesOfTheRealScrapeAreExcludedAndTheFunctionCallsAreNot() throws IOException {
        Set<String> uris = new TreeSet<>();
        Matcher uri = Pattern.compile("uri=\"([^\"]*)\"").matcher(realScrape());
        while (uri.find()) {
            uris.add(uri.group(1));
        }
        // PromQL regex matchers are anchored, as Java's matches() is.
        Pattern excluded = Pattern.compile("/actuator/.*");
        assertThat(uris).contains("/actuator/health/**", "/actuator/prometheus", "/orderWebhook", "/orderStatusSync");
        assertThat(uris.stream().filter(u -> !excluded.matcher(u).matches()))
            .containsExactly("/orderStatusSync", "/orderWebhook");
    }

    @Test
    void theFixtureWritesTheSeriesAndBucketsOfTheRealScrape() throws IOException {
        Set<String> realLabels = new TreeSet<>();
        Set<String> realMetrics = names(realScrape(), realLabels);
        ScrapeFixture fixture = new ScrapeFixture(Instant.now());
        fixture.pod("prod", "order-webhook", "order-webhook-v1", "p", Duration.ofMinutes(1)).probed()
                .answered(Duration.ofSeconds(30), 2, 200, 0.03).answered(Duration.ofSeconds(20), 1, 401, 0.01);
        Set<String> fixtureLabels = new TreeSet<>();
        Set<String> fixtureMetrics = names(fixture.openMetrics(), fixtureLabels);

        assertThat(fixtureMetrics).isEqualTo(realMetrics);
        fixtureLabels.removeAll(ScrapeFixture.POD_MONITOR_LABELS);
        assertThat(fixtureLabels).isEqualTo(realLabels);
        Set<String> realBuckets = new TreeSet<>();
        Matcher le = Pattern.compile("le=\"([^\"]+)\"").matcher(realScrape());
        while (le.find()) {
            realBuckets.add(le.group(1));
        }
        assertThat(realBuckets).containsExactlyInAnyOrderElementsOf(ScrapeFixture.BUCKETS);
    }

    @Test
    void renderingReplacesEveryPlaceholder() {
        GateQueries queries = GateQueries.load();
        for (String name : GateQueries.NAMES) {
            String query = queries.render(name, "prod", "order-webhook", "order-webhook-v2", Duration.ofMinutes(2));
            assertThat(query).as(name).doesNotContain("{namespace}", "{service}", "{revision}", "{window}")
                    .contains("revision=\"order-webhook-v2\"", "[120s]", "offset 120s");
        }
    }
}
