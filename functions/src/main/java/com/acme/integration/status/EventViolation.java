package com.acme.integration.status;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * One reason a CloudEvent cannot be processed. Where the fault sits in the request body, {@code pointer}
 * is a JSON Pointer written as a URI fragment ({@code #/data/status} in structured mode, {@code #/status}
 * in binary mode where the body is the data); where it sits in a binary-mode header, {@code header}
 * names it ({@code ce-type}). {@code detail} never repeats the offending value.
 */
public record EventViolation(@Nullable String pointer, @Nullable String header, String detail) {

	static EventViolation atPointer(String pointer, String detail) {
		return new EventViolation(pointer, null, detail);
	}

	static EventViolation atHeader(String header, String detail) {
		return new EventViolation(null, header, detail);
	}

	/** The entry of the problem's {@code errors} extension: only the fields that are set. */
	public Map<String, String> toProblemError() {
		Map<String, String> error = new LinkedHashMap<>();
		if (this.pointer != null) {
			error.put("pointer", this.pointer);
		}
		if (this.header != null) {
			error.put("header", this.header);
		}
		error.put("detail", this.detail);
		return error;
	}

}
