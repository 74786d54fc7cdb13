package com.acme.integration.testkit.bench;

import java.util.Currency;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The ISO 3166-1 alpha-2 and ISO 4217 codes CustomerOrderMapper accepts, as this JDK knows them (its
 * countries and currencies, the latter without XXX and XTS). scripts/bench/peer/parity.py compares
 * them with the peer's lists (iso_codes.py).
 */
@Command(name = "iso-codes", mixinStandardHelpOptions = true,
		description = "Print \"countries CODE ...\" and \"currencies CODE ...\" as the mapper accepts them.")
public final class IsoCodes implements Callable<Integer> {

	@Spec
	CommandSpec spec;

	@Override
	public Integer call() {
		TreeSet<String> currencies = new TreeSet<>();
		Currency.getAvailableCurrencies().forEach(currency -> currencies.add(currency.getCurrencyCode()));
		currencies.removeAll(Set.of("XXX", "XTS"));
		this.spec.commandLine().getOut().println("countries " + String.join(" ",
				new TreeSet<>(Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA2))));
		this.spec.commandLine().getOut().println("currencies " + String.join(" ", currencies));
		return 0;
	}

}
