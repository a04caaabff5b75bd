package dev.pulse.app.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pulse.app.PulseNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/** The dashboard in a real headless Chromium (Debian's, driven by its chromedriver through Selenium). */
class DashboardBrowserIT {

  private PipelineFixture fixture;
  private WebDriver browser;
  private String url;

  @BeforeEach
  void start() {
    fixture = new PipelineFixture(Map.of("roles", "ingest,aggregator,lake-writer,enricher,dashboard",
        "watermark.allowed.lateness", "2m"));
    PulseNode node = fixture.startNode();
    url = "http://127.0.0.1:" + node.dashboardPort().orElseThrow() + "/";
    browser = Browsers.headless();
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  @Test
  void aProducerRunStartedFromTheFormMakesTheLiveNumbersMove() throws Exception {
    // Given the dashboard open and live
    browser.get(url);
    await().atMost(Duration.ofSeconds(20)).until(() -> text("connection").equals("live"));

    // When a producer run is started from the form
    WebElement form = browser.findElement(By.id("producer-form"));
    fill(form, "rate", "400");
    fill(form, "duration", "30s");
    fill(form, "users", "300");
    browser.findElement(By.id("producer-start")).click();
    await().atMost(Duration.ofSeconds(10)).until(() -> text("producer-status").contains("running"));

    // Then events flow in, the top pages fill and their counts grow, and the active-user chart has a value
    await().atMost(Duration.ofSeconds(30)).until(() -> number("events-in") > 0);
    await().atMost(Duration.ofSeconds(30)).until(() -> !topPageViews().isEmpty());
    long firstTop = topPageViews().get(0);
    await().atMost(Duration.ofSeconds(30)).until(() -> !topPageViews().isEmpty() && topPageViews().get(0) > firstTop);
    await().atMost(Duration.ofSeconds(30)).until(() -> number("active-users-now") > 0);
    long usersBefore = number("active-users-now");
    await().atMost(Duration.ofSeconds(30)).until(() -> number("active-users-now") != usersBefore);
    assertTrue(browser.findElements(By.cssSelector("#active-users-chart canvas")).size() > 0, "chart drawn");
    assertTrue(text("nodes").contains("ingest, lake-writer") || text("nodes").contains("ingest"),
        "the node and its roles are listed: " + text("nodes"));

    Browsers.screenshot(browser, "dashboard.png");
    fixture.assertNoBlockedEventLoop();
  }

  @Test
  void aPageUrlFullOfHtmlIsShownAsTextAndRunsNoScript() {
    // Given an event whose page_url is an HTML payload that would run script if it were ever parsed
    String payload = "<img src=x onerror=\"window.__xss=1;alert(1)\">";
    browser.get(url);
    await().atMost(Duration.ofSeconds(20)).until(() -> text("connection").equals("live"));
    String json = new JsonObject().put("user_id", "u-evil").put("page_url", payload).put("event_type", "page_view")
        .put("timestamp", Instant.now().toString()).encode();

    // When it is counted and pushed to the browser
    fixture.send(new ProducerRecord<>(fixture.topics.input(), "u-evil".getBytes(StandardCharsets.UTF_8),
        json.getBytes(StandardCharsets.UTF_8)));

    // Then the text is visible as written, and no script ran
    await().atMost(Duration.ofSeconds(30)).until(() -> cellTexts("#top-pages td.url").contains(payload));
    assertTrue(browser.findElement(By.id("top-pages")).getText().contains(payload), "visible as text");
    assertNull(((JavascriptExecutor) browser).executeScript("return window.__xss;"));
    assertEquals(0, browser.findElements(By.cssSelector("#top-pages img")).size());
    try {
      browser.switchTo().alert();
      throw new AssertionError("an alert opened");
    } catch (NoAlertPresentException expected) {
      // no script ran
    }
  }

  private void fill(WebElement form, String name, String value) {
    WebElement input = form.findElement(By.name(name));
    input.clear();
    input.sendKeys(value);
  }

  /** Read in one script call: the page re-renders often, so found elements may be replaced before they are read. */
  private String text(String id) {
    return Browsers.text(browser, id);
  }

  private long number(String id) {
    String digits = text(id).replaceAll("[^0-9]", "");
    return digits.isEmpty() ? 0 : Long.parseLong(digits);
  }

  private List<Long> topPageViews() {
    return cellTexts("#top-pages td.views").stream().map(t -> t.replaceAll("[^0-9]", "")).filter(t -> !t.isEmpty())
        .map(Long::parseLong).toList();
  }

  @SuppressWarnings("unchecked")
  private List<String> cellTexts(String selector) {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);", selector);
  }
}
