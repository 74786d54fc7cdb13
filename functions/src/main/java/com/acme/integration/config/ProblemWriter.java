package com.acme.integration.config;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;

/**
 * Writes a problem straight to the servlet response, for the filters that answer before Spring MVC
 * is reached. Same JSON shape as the problems Spring MVC renders.
 */
@Component
class ProblemWriter {

	private final JsonMapper jsonMapper;

	ProblemWriter(JsonMapper jsonMapper) {
		this.jsonMapper = jsonMapper;
	}

	void write(HttpServletRequest request, HttpServletResponse response, ProblemDetail problem, HttpHeaders headers)
			throws IOException {
		if (response.isCommitted()) {
			return;
		}
		response.resetBuffer();
		response.setStatus(problem.getStatus());
		headers.forEach((name, values) -> values.forEach(value -> response.addHeader(name, value)));
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		byte[] body = this.jsonMapper.writeValueAsBytes(toMap(problem, request.getRequestURI()));
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
		response.flushBuffer();
	}

	private static Map<String, Object> toMap(ProblemDetail problem, String instance) {
		Map<String, Object> map = new LinkedHashMap<>();
		map.put("type", problem.getType().toString());
		map.put("title", problem.getTitle());
		map.put("status", problem.getStatus());
		if (problem.getDetail() != null) {
			map.put("detail", problem.getDetail());
		}
		map.put("instance", (problem.getInstance() != null) ? problem.getInstance().toString() : instance);
		if (problem.getProperties() != null) {
			map.putAll(problem.getProperties());
		}
		return map;
	}

}
