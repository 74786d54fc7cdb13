package com.acme.integration.web;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import org.springframework.boot.logging.logback.StructuredLogEncoder;

/**
 * The log lines written while it is open, formatted as the Knative Services write them: Spring Boot's
 * ECS JSON ({@code logging.structured.format.console=ecs}), whatever format the tests' console uses.
 */
public final class EcsLogLines extends AppenderBase<ILoggingEvent> implements AutoCloseable {

	private final StructuredLogEncoder encoder = new StructuredLogEncoder();

	private final List<String> lines = new CopyOnWriteArrayList<>();

	private final Logger root;

	private EcsLogLines(LoggerContext context) {
		this.root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
		this.encoder.setContext(context);
		this.encoder.setFormat("ecs");
		this.encoder.start();
		setContext(context);
		setName("ecs-log-lines");
		start();
		this.root.addAppender(this);
	}

	/** Starts capturing; needs a started application context (its Environment configures the format). */
	public static EcsLogLines capture() {
		return new EcsLogLines((LoggerContext) LoggerFactory.getILoggerFactory());
	}

	@Override
	protected void append(ILoggingEvent event) {
		this.lines.add(new String(this.encoder.encode(event), StandardCharsets.UTF_8).strip());
	}

	public List<String> lines() {
		return List.copyOf(this.lines);
	}

	@Override
	public void close() {
		this.root.detachAppender(this);
		stop();
		this.encoder.stop();
	}

}
