// Amounts of money as the API sends them (integer minor units + ISO 4217 code), written with the
// currency's own number of decimals and Western digits in both languages, without floating point.

// The decimals of a currency (AED 2, KWD 3, JPY 0) as the browser's ICU data knows them.
export function currencyDecimals(code) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return 2;
  }
}

// The digits of `minor` in `currency`, e.g. 150000 AED → "1,500.00"; `loc` chooses the separators
// (the Arabic locale is asked for Latin digits, as everywhere else in the interface).
export function formatMinor(minor, currency, loc = 'en') {
  const decimals = currencyDecimals(currency);
  const negative = minor < 0;
  const digits = String(Math.abs(Math.trunc(Number(minor) || 0))).padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  const fmt = new Intl.NumberFormat(loc, { maximumFractionDigits: 0 });
  // Grouping from a BigInt keeps amounts beyond 2^53 minor units exact.
  let text = fmt.format(BigInt(whole));
  if (decimals > 0) {
    const sep =
      new Intl.NumberFormat(loc, { minimumFractionDigits: 1 })
        .formatToParts(1.5)
        .find((p) => p.type === 'decimal')?.value || '.';
    text += sep + fraction;
  }
  return negative ? `-${text}` : text;
}

// "AED 1,500.00": the code before the amount in both languages, the way invoices print it; the
// caller shows it in a left-to-right span.
export function formatMoney(money, loc = 'en') {
  if (!money || typeof money.minor !== 'number' || !money.currency) return '';
  return `${money.currency} ${formatMinor(money.minor, money.currency, loc)}`;
}
