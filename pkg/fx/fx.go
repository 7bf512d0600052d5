// Package fx normalises money between currencies with daily rates: the rate of the
// amount's day, else the last earlier one, never a later one; cross rates through
// any common currency; a missing rate is an error, never a zero.
package fx

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Rate says that on Day one unit of Base buys Rate units of Quote.
type Rate struct {
	Day   time.Time // midnight UTC of the calendar day the rate belongs to
	Base  string
	Quote string
	Rate  decimal.Decimal
}

// MissingRateError names the conversion that had no rate on or before the day.
type MissingRateError struct {
	From, To string
	Day      time.Time
}

func (e *MissingRateError) Error() string {
	return fmt.Sprintf("no FX rate from %s to %s on or before %s", e.From, e.To, e.Day.Format(time.DateOnly))
}

// IsMissingRate reports whether err is (or wraps) a MissingRateError.
func IsMissingRate(err error) bool {
	var m *MissingRateError
	return errors.As(err, &m)
}

type pair struct{ base, quote string }

type datedRate struct {
	day  time.Time
	rate decimal.Decimal
}

// Table answers conversions from a set of daily rates.
type Table struct {
	pairs      map[pair][]datedRate // ascending by day
	currencies []string             // every currency that appears, sorted, for cross rates
	stalest    Staleness
}

// Staleness is the oldest rate a table's conversions fell back on: Days between the
// amount's day and the rate's, for the pair From->To.
type Staleness struct {
	Days            int
	From, To        string
	AmountDay, Rate time.Time
}

// Stalest is the largest gap between an amount's day and the day of the rate it was
// converted at, over every conversion so far (zero when every rate was the day's own).
func (t *Table) Stalest() Staleness { return t.stalest }

// NewTable indexes rates; later duplicates of the same pair and day replace earlier ones.
func NewTable(rates []Rate) *Table {
	t := &Table{pairs: map[pair][]datedRate{}}
	seen := map[string]bool{}
	for _, r := range rates {
		p := pair{r.Base, r.Quote}
		t.pairs[p] = append(t.pairs[p], datedRate{day: dayOf(r.Day), rate: r.Rate})
		seen[r.Base], seen[r.Quote] = true, true
	}
	for p, rs := range t.pairs {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].day.Before(rs[j].day) })
		// keep the last entry for each day
		out := rs[:0]
		for _, r := range rs {
			if len(out) > 0 && out[len(out)-1].day.Equal(r.day) {
				out[len(out)-1] = r
				continue
			}
			out = append(out, r)
		}
		t.pairs[p] = out
	}
	for c := range seen {
		t.currencies = append(t.currencies, c)
	}
	// USD first: the usual base, so the cross rate chosen is the conventional one.
	sort.Slice(t.currencies, func(i, j int) bool {
		a, b := t.currencies[i], t.currencies[j]
		if (a == "USD") != (b == "USD") {
			return a == "USD"
		}
		return a < b
	})
	return t
}

func dayOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ratio is a rate kept as num/den, so that inverse and cross rates divide once at the
// end: 0.0720 CNY at 7.20 CNY per USD is exactly 0.01 USD, not 0.0720 × a rounded 1/7.2.
type ratio struct{ num, den decimal.Decimal }

func (r ratio) times(o ratio) ratio { return ratio{r.num.Mul(o.num), r.den.Mul(o.den)} }

// divisionPlaces bounds a non-terminating division (0.10 / 7.2); far below a cent.
const divisionPlaces = 24

func (r ratio) apply(amount decimal.Decimal) decimal.Decimal {
	return amount.Mul(r.num).DivRound(r.den, divisionPlaces)
}

// lookup finds the direct or inverse rate for from->to in force on day, and its day.
func (t *Table) lookup(from, to string, day time.Time) (ratio, time.Time, bool) {
	one := decimal.NewFromInt(1)
	if r, ok := latestOnOrBefore(t.pairs[pair{from, to}], day); ok {
		return ratio{r.rate, one}, r.day, true
	}
	if r, ok := latestOnOrBefore(t.pairs[pair{to, from}], day); ok {
		return ratio{one, r.rate}, r.day, true
	}
	return ratio{}, time.Time{}, false
}

func latestOnOrBefore(rs []datedRate, day time.Time) (datedRate, bool) {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].day.After(day) })
	if i == 0 {
		return datedRate{}, false
	}
	return rs[i-1], true
}

// used notes the age of a rate a conversion fell back on.
func (t *Table) used(from, to string, day, rateDay time.Time) {
	if days := int(day.Sub(rateDay).Hours() / 24); days > t.stalest.Days {
		t.stalest = Staleness{Days: days, From: from, To: to, AmountDay: day, Rate: rateDay}
	}
}

func (t *Table) ratioOn(from, to string, day time.Time) (ratio, error) {
	day = dayOf(day)
	one := decimal.NewFromInt(1)
	if from == to {
		return ratio{one, one}, nil
	}
	if r, rd, ok := t.lookup(from, to, day); ok {
		t.used(from, to, day, rd)
		return r, nil
	}
	for _, via := range t.currencies {
		if via == from || via == to {
			continue
		}
		a, ad, ok := t.lookup(from, via, day)
		if !ok {
			continue
		}
		if b, bd, ok := t.lookup(via, to, day); ok {
			if bd.Before(ad) {
				ad = bd
			}
			t.used(from, to, day, ad)
			return a.times(b), nil
		}
	}
	return ratio{}, &MissingRateError{From: from, To: to, Day: day}
}

// RateOn returns how many units of to one unit of from buys on day.
func (t *Table) RateOn(from, to string, day time.Time) (decimal.Decimal, error) {
	r, err := t.ratioOn(from, to, day)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return r.apply(decimal.NewFromInt(1)), nil
}

// Convert turns amount in from into to at the rate of day.
func (t *Table) Convert(amount decimal.Decimal, from, to string, day time.Time) (decimal.Decimal, error) {
	r, err := t.ratioOn(from, to, day)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return r.apply(amount), nil
}
