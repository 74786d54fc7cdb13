import java.util.Currency;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Prints the ISO 3166-1 alpha-2 and ISO 4217 codes that CustomerOrderMapper accepts, as this JDK
 * knows them: "countries CODE CODE ..." and "currencies CODE CODE ...". parity.py compares them
 * with the peer's lists (iso_codes.py). Run with: java IsoCodes.java
 */
public class IsoCodes {

	public static void main(String[] args) {
		System.out.println("countries " + String.join(" ",
				new TreeSet<>(Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA2))));
		TreeSet<String> currencies = new TreeSet<>();
		Currency.getAvailableCurrencies().forEach(c -> currencies.add(c.getCurrencyCode()));
		currencies.remove("XXX");
		currencies.remove("XTS");
		System.out.println("currencies " + String.join(" ", currencies));
	}

}
