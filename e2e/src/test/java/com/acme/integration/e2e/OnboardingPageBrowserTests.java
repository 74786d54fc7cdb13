package com.acme.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import com.deque.html.axecore.results.Results;
import com.deque.html.axecore.selenium.AxeBuilder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The onboarding page in a real headless Chromium, through nginx, against the real mapOrder:
 * what the customer's IT sees. Screenshots go to e2e/target/screenshots/.
 */
@ExtendWith(FrontStackExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OnboardingPageBrowserTests {

	private static FrontStack stack;

	private static ChromeDriver browser;

	private static WebDriverWait wait;

	private static Path screenshots;

	@BeforeAll
	static void openBrowser(FrontStack frontStack) throws IOException {
		stack = frontStack;
		E2eSettings settings = stack.settings;
		E2eSettings.require(settings.chromium(), "install chromium (scripts/e2e.sh does)");
		E2eSettings.require(settings.chromedriver(), "install chromium-driver (scripts/e2e.sh does)");
		screenshots = settings.workDir().getParent().resolve("screenshots");
		Files.createDirectories(screenshots);
		Path profile = Files.createTempDirectory(settings.workDir(), "chromium-profile-");

		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(settings.chromedriver().toFile())
			.usingAnyFreePort()
			.withLogFile(stack.logs().resolve("chromedriver.log").toFile())
			.build();
		ChromeOptions options = new ChromeOptions();
		options.setBinary(settings.chromium().toFile());
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
				"--disable-default-apps", "--disable-extensions", "--window-size=1280,1500", "--lang=en-US",
				"--user-data-dir=" + profile);
		LoggingPreferences logs = new LoggingPreferences();
		logs.enable(LogType.BROWSER, Level.ALL);
		options.setCapability("goog:loggingPrefs", logs);
		browser = new ChromeDriver(service, options);
		wait = new WebDriverWait(browser, Duration.ofSeconds(30));
	}

	@AfterAll
	static void closeBrowser() {
		if (browser != null) {
			browser.quit();
		}
	}

	private static String sample(String name) throws IOException {
		return Files.readString(stack.settings.webhookSample(name), StandardCharsets.UTF_8);
	}

	private static void paste(String payload) {
		WebElement textarea = browser.findElement(By.id("payload"));
		textarea.clear();
		// Typed in one go, as a paste would arrive.
		textarea.sendKeys(payload);
	}

	/** What the result area shows now: replaced (hence stale) once the next answer is shown. */
	private static WebElement currentResult() {
		return browser.findElement(By.cssSelector("#result > *"));
	}

	/** WCAG 2.x A and AA rules of axe-core, run in the page as it is now. */
	private static void assertNoAccessibilityViolations() {
		Results results = new AxeBuilder().withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"))
			.analyze(browser);
		List<String> violations = results.getViolations().stream()
			.map(rule -> rule.getId() + ": " + rule.getHelp() + " " + rule.getNodes().stream().map(node -> String.valueOf(node.getTarget())).toList())
			.toList();
		assertThat(violations).isEmpty();
	}

	/** The preview section with its result, scrolled into view. */
	private static void screenshot(String name) throws IOException {
		((JavascriptExecutor) browser).executeScript("document.getElementById('preview').scrollIntoView({block: 'start'})");
		saveScreenshot(name);
	}

	private static void saveScreenshot(String name) throws IOException {
		File file = browser.getScreenshotAs(OutputType.FILE);
		Files.copy(file.toPath(), screenshots.resolve(name), StandardCopyOption.REPLACE_EXISTING);
	}

	@Test
	@Order(1)
	void showsTheWebhookUrlOfThisFrontAndTheSigningHeaders() throws IOException {
		browser.get(stack.front.resolve("/").toString());

		WebElement url = browser.findElement(By.id("webhook-url"));
		wait.until(driver -> url.getDomProperty("value").startsWith("http"));
		assertThat(url.getDomProperty("value")).isEqualTo(stack.front.resolve("/integrations/webhooks/orders").toString());
		String signing = browser.findElement(By.id("signing")).getText();
		assertThat(signing).contains("webhook-id", "webhook-timestamp", "webhook-signature", "whsec_", "HMAC-SHA256");
		assertThat(browser.findElement(By.cssSelector("label[for=payload]")).getText()).isEqualTo("Order event (JSON)");
		saveScreenshot("onboarding-page.png");
		assertNoAccessibilityViolations();
	}

	@Test
	@Order(2)
	void asksForAPayloadWhenNothingWasPasted() {
		browser.findElement(By.id("payload")).clear();
		browser.findElement(By.id("preview-button")).click();

		assertThat(browser.findElement(By.id("payload-error")).getText()).contains("Paste an order event first");
		assertThat(browser.findElement(By.id("payload")).getDomAttribute("aria-invalid")).isEqualTo("true");
		assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("payload");
	}

	@Test
	@Order(3)
	void previewsASampleAsTheMappedOrderUsingOnlyTheKeyboard() throws IOException {
		paste(sample("order-created.json"));
		// Keyboard only: from the text area, Tab reaches "Preview mapping", Enter presses it.
		browser.switchTo().activeElement().sendKeys(Keys.TAB);
		assertThat(browser.switchTo().activeElement().getDomAttribute("id")).isEqualTo("preview-button");
		WebElement previous = currentResult();
		browser.switchTo().activeElement().sendKeys(Keys.ENTER);

		wait.until(ExpectedConditions.stalenessOf(previous));
		WebElement title = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#result .result--ok .result__title")));
		assertThat(title.getText()).contains("Order mueller:SO-100234");
		String result = browser.findElement(By.id("result")).getText();
		assertThat(result).contains("Müller GmbH", "C-4711", "DE123456789", "Hauptstr. 5", "10115 Berlin", "2026-12-01",
				"A-100", "Widget", "19.99 EUR", "59.97 EUR", "Ring twice");
		// The result is announced (aria-live) and focused for keyboard and screen reader users.
		assertThat(browser.findElement(By.id("result")).getDomAttribute("aria-live")).isEqualTo("polite");
		assertThat(browser.switchTo().activeElement().getText()).isEqualTo(title.getText());
		screenshot("preview-mapped-order.png");
		assertNoAccessibilityViolations();
	}

	@Test
	@Order(4)
	void explainsTheFieldErrorsOfAnInvalidPayloadInPlainWords() throws IOException {
		paste(sample("invalid-order.json"));
		WebElement previous = currentResult();
		browser.findElement(By.id("preview-button")).click();

		wait.until(ExpectedConditions.stalenessOf(previous));
		WebElement title = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#result .result--error .result__title")));
		assertThat(title.getText()).matches("The payload has \\d+ problems");
		List<String> errors = browser.findElements(By.cssSelector("#result .field-errors li .field-errors__field"))
			.stream().map(WebElement::getText).toList();
		assertThat(errors).hasSizeGreaterThanOrEqualTo(3);
		assertThat(errors).anySatisfy(error -> assertThat(error).startsWith("Item 1 › Quantity: "));
		assertThat(errors).anySatisfy(error -> assertThat(error).startsWith("Shipping address › Country: "));
		screenshot("preview-field-errors.png");
		assertNoAccessibilityViolations();
	}

	@Test
	@Order(5)
	void runsWithoutContentSecurityPolicyViolations() {
		List<String> violations = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
			.map(LogEntry::getMessage)
			.filter(message -> message.contains("Content Security Policy") || message.contains("Refused to"))
			.toList();
		assertThat(violations).isEmpty();
	}

}
