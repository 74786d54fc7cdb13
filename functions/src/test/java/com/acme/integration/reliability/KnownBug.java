package com.acme.integration.reliability;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** One line of corpus/known-bugs.psv: a corpus case the functions answer otherwise than asked. */
record KnownBug(String id, int observed, String text) {

	static final String TABLE = "corpus/known-bugs.psv";

	static Map<String, KnownBug> load() {
		Map<String, KnownBug> bugs = new LinkedHashMap<>();
		String text = new String(CorpusRequest.resource(TABLE), StandardCharsets.UTF_8);
		for (String line : text.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			String[] cells = Arrays.stream(line.split("\\|", 3)).map(String::strip).toArray(String[]::new);
			bugs.put(cells[0], new KnownBug(cells[0], Integer.parseInt(cells[1]), cells[2]));
		}
		return bugs;
	}

}
