package fx

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Rates for the week of Monday 2026-03-02: USD->CNY on weekdays only, EUR->USD on Monday.
func exampleTable() *Table {
	return NewTable([]Rate{
		{Day: day("2026-03-02"), Base: "USD", Quote: "CNY", Rate: dec("7.2000")},
		{Day: day("2026-03-06"), Base: "USD", Quote: "CNY", Rate: dec("7.2500")},
		{Day: day("2026-03-09"), Base: "USD", Quote: "CNY", Rate: dec("7.1000")},
		{Day: day("2026-03-02"), Base: "EUR", Quote: "USD", Rate: dec("1.0800")},
	})
}

func TestConvertUsesTheDaysRate(t *testing.T) {
	got, err := exampleTable().Convert(dec("100"), "USD", "CNY", day("2026-03-06"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(dec("725")) {
		t.Fatalf("100 USD on Friday = %s CNY, want 725", got)
	}
}

func TestConvertOnAWeekendUsesFridaysRateNeverMondays(t *testing.T) {
	for _, d := range []string{"2026-03-07", "2026-03-08"} {
		got, err := exampleTable().Convert(dec("10"), "USD", "CNY", day(d))
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(dec("72.5")) {
			t.Fatalf("10 USD on %s = %s CNY, want 72.5 (Friday's 7.25, not Monday's 7.10)", d, got)
		}
	}
}

func TestConvertInverseRate(t *testing.T) {
	// 725 CNY / 7.25 = 100 USD exactly.
	got, err := exampleTable().Convert(dec("725"), "CNY", "USD", day("2026-03-06"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(dec("100")) {
		t.Fatalf("725 CNY = %s USD, want 100", got)
	}
}

func TestConvertCrossRateThroughUSD(t *testing.T) {
	// 1 EUR = 1.08 USD = 1.08 * 7.2 = 7.776 CNY on Monday 2026-03-02.
	got, err := exampleTable().Convert(dec("50"), "EUR", "CNY", day("2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(dec("388.8")) {
		t.Fatalf("50 EUR = %s CNY, want 388.8", got)
	}
	// and back: 388.8 CNY -> EUR through CNY->USD (1/7.2) and USD->EUR (1/1.08).
	back, err := exampleTable().Convert(dec("388.8"), "CNY", "EUR", day("2026-03-02"))
	if err != nil {
		t.Fatal(err)
	}
	if !back.Equal(dec("50")) {
		t.Fatalf("388.8 CNY = %s EUR, want 50", back)
	}
}

func TestMissingRateIsAnErrorNamingCurrencyAndDay(t *testing.T) {
	_, err := exampleTable().Convert(dec("1"), "USD", "CNY", day("2026-03-01"))
	if err == nil || err.Error() != "no FX rate from USD to CNY on or before 2026-03-01" {
		t.Fatalf("err = %v", err)
	}
	if !IsMissingRate(err) {
		t.Fatal("IsMissingRate = false")
	}
	_, err = exampleTable().Convert(dec("1"), "JPY", "USD", day("2026-03-09"))
	if err == nil || err.Error() != "no FX rate from JPY to USD on or before 2026-03-09" {
		t.Fatalf("err = %v", err)
	}
}

func TestSameCurrencyNeedsNoRate(t *testing.T) {
	got, err := NewTable(nil).Convert(dec("12.34"), "GBP", "GBP", day("2020-01-01"))
	if err != nil || !got.Equal(dec("12.34")) {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestParseCurrency(t *testing.T) {
	if c, err := ParseCurrency("currency", " cny "); err != nil || c != "CNY" {
		t.Fatalf("got %q, %v", c, err)
	}
	_, err := ParseCurrency("currency", "RMB")
	if err == nil || err.Error() != `currency: "RMB" is not an ISO-4217 currency code` {
		t.Fatalf("err = %v", err)
	}
}

func TestStalestRateUsedIsReported(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.DateOnly, s); return v }
	tbl := NewTable([]Rate{
		{Day: d("2026-03-06"), Base: "USD", Quote: "CNY", Rate: decimal.RequireFromString("7.25")},
		{Day: d("2026-03-02"), Base: "EUR", Quote: "USD", Rate: decimal.RequireFromString("1.08")},
	})
	if _, err := tbl.Convert(decimal.NewFromInt(1), "CNY", "USD", d("2026-03-09")); err != nil {
		t.Fatal(err)
	}
	// Monday's amount at Friday's rate: 3 days
	if s := tbl.Stalest(); s.Days != 3 || s.From != "CNY" || s.To != "USD" || !s.Rate.Equal(d("2026-03-06")) {
		t.Errorf("after CNY on 03-09: %+v", s)
	}
	// through USD, the older of the two legs counts: EUR's 03-02 rate for 2027-01-04 is 308 days old
	if _, err := tbl.Convert(decimal.NewFromInt(1), "CNY", "EUR", d("2027-01-04")); err != nil {
		t.Fatal(err)
	}
	if s := tbl.Stalest(); s.Days != 308 || s.From != "CNY" || s.To != "EUR" || !s.Rate.Equal(d("2026-03-02")) {
		t.Errorf("after EUR on 2027-01-04: %+v", s)
	}
}
