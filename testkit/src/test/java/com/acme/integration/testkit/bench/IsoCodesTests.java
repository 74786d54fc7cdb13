package com.acme.integration.testkit.bench;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.acme.integration.testkit.Commands;

import static org.assertj.core.api.Assertions.assertThat;

class IsoCodesTests {

	@Test
	void printsTheCountriesAndTheCurrenciesWithoutTheNonCurrencies() {
		Commands run = Commands.run("iso-codes");

		assertThat(run.exitCode()).isZero();
		Map<String, List<String>> lists = run.out().lines().map(line -> List.of(line.split(" ")))
			.collect(Collectors.toMap(List::getFirst, line -> line.subList(1, line.size())));
		assertThat(lists).containsOnlyKeys("countries", "currencies");
		assertThat(lists.get("countries")).contains("DE", "AT", "CH").doesNotContain("EU", "UK").hasSizeGreaterThan(240);
		assertThat(lists.get("currencies")).contains("EUR", "CHF", "XAU").doesNotContain("XXX", "XTS").isSorted();
	}

}
