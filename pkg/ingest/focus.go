package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/fx"
	"github.com/costlens/costlens/pkg/names"
)

// LineItem is a validated billing line from a FOCUS export.
type LineItem struct {
	Row              int
	Tenant           string
	Provider         string
	BillingAccount   string
	Region           string
	ResourceID       string
	ResourceType     string
	PeriodStart      time.Time
	PeriodEnd        time.Time
	PricingUnit      string
	ConsumedQuantity decimal.Decimal
	BilledCost       decimal.Decimal
	Currency         string
	Tags             []byte
}

// focusColumns are the FinOps FOCUS column names read, and whether each is required.
var focusColumns = map[string]bool{
	"BilledCost": true, "BillingCurrency": true, "ChargePeriodStart": true, "ChargePeriodEnd": true,
	"ResourceId": true, "ProviderName": true, "PricingUnit": false, "ConsumedQuantity": false,
	"ResourceType": false, "RegionId": false, "BillingAccountId": false, "Tags": false,
}

func parseFOCUSTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			if err := checkOffset(s, t); err != nil {
				return time.Time{}, err
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO 8601 time such as 2026-03-02T10:00:00Z", s)
}

// ParseFOCUSCSV reads a FOCUS billing export. The tenant comes from an x_Tenant column
// or, when the file has none, from tenant (a bound data source's tenant always wins and
// rows naming another are rejected). A line's ChargePeriodStart must fall in window.
// BilledCost may be negative (FOCUS states credits and refunds so); amounts are
// bounded by MaxAmount.
func ParseFOCUSCSV(r io.Reader, tenant string, bound bool, window Window) ([]LineItem, []RowError, error) {
	f, _, err := openCSV(r, func(h string) string { return h })
	if err == io.EOF {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var missing []string
	for name, required := range focusColumns {
		if required && !f.has(name) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, nil, formatErrorf("header: missing FOCUS columns %s", strings.Join(missing, ", "))
	}
	if !f.has("x_Tenant") && tenant == "" {
		return nil, nil, formatErrorf("header: no x_Tenant column, and no tenant given for the whole file")
	}

	var items []LineItem
	rejected := f.eachRow(func(rec []string, row int, bad func(field, format string, args ...any)) {
		get := func(name string) string { return f.get(rec, name) }
		li := LineItem{Row: row, Provider: get("ProviderName"), BillingAccount: get("BillingAccountId"), Region: get("RegionId"),
			ResourceID: get("ResourceId"), ResourceType: get("ResourceType"), PricingUnit: get("PricingUnit")}
		li.Tenant = tenant
		if named := get("x_Tenant"); named != "" {
			if bound && named != tenant {
				bad("x_Tenant", "%q is not this data source's tenant %q", named, tenant)
				return
			}
			li.Tenant = named
		}
		if li.Tenant == "" {
			bad("x_Tenant", "is empty and no tenant was given for the file")
			return
		}
		if li.Provider == "" {
			bad("ProviderName", "is required")
			return
		}
		for _, f := range []struct {
			name, v string
			max     int
		}{{"x_Tenant", li.Tenant, MaxTenantBytes}, {"ProviderName", li.Provider, MaxNameBytes}, {"BillingAccountId", li.BillingAccount, MaxNameBytes},
			{"RegionId", li.Region, MaxNameBytes}, {"ResourceId", li.ResourceID, MaxNameBytes}, {"ResourceType", li.ResourceType, MaxNameBytes},
			{"PricingUnit", li.PricingUnit, MaxNameBytes}} {
			if msg := names.Check(f.v, f.max); msg != "" {
				bad(f.name, "%s", msg)
				return
			}
		}
		if li.ResourceID == "" {
			bad("ResourceId", "is required")
			return
		}
		if li.PeriodStart, err = parseFOCUSTime(get("ChargePeriodStart")); err != nil {
			bad("ChargePeriodStart", "%v", err)
			return
		}
		if msg := window.check(li.PeriodStart); msg != "" {
			bad("ChargePeriodStart", "%s", msg)
			return
		}
		if li.PeriodEnd, err = parseFOCUSTime(get("ChargePeriodEnd")); err != nil {
			bad("ChargePeriodEnd", "%v", err)
			return
		}
		if !li.PeriodEnd.After(li.PeriodStart) {
			bad("ChargePeriodEnd", "%s is not after ChargePeriodStart %s", li.PeriodEnd.Format(time.RFC3339), li.PeriodStart.Format(time.RFC3339))
			return
		}
		if li.BilledCost, err = decimal.NewFromString(get("BilledCost")); err != nil {
			bad("BilledCost", "%q is not a decimal number", get("BilledCost"))
			return
		}
		if msg := checkAmount(li.BilledCost, true); msg != "" {
			bad("BilledCost", "%s", msg)
			return
		}
		if li.Currency, err = fx.ParseCurrency("BillingCurrency", get("BillingCurrency")); err != nil {
			bad("BillingCurrency", "%q is not an ISO-4217 currency code", get("BillingCurrency"))
			return
		}
		li.ConsumedQuantity = decimal.Zero
		if q := get("ConsumedQuantity"); q != "" {
			if li.ConsumedQuantity, err = decimal.NewFromString(q); err != nil || checkAmount(li.ConsumedQuantity, false) != "" {
				bad("ConsumedQuantity", "%.40q is not a decimal number from 0 to 1e12", q)
				return
			}
		}
		if li.PricingUnit == "" {
			li.PricingUnit = "unspecified"
		}
		// no tags (empty, or JSON null) are stored as {}: a line has a set of tags,
		// possibly empty, never "null" that every tag lookup must allow for
		li.Tags = []byte("{}")
		if t := get("Tags"); t != "" && t != "null" {
			if msg := checkTags(t); msg != "" {
				bad("Tags", "%s", msg)
				return
			}
			li.Tags = []byte(t)
		}
		items = append(items, li)
	})
	return items, rejected, nil
}

// checkTags says what is wrong with a FOCUS Tags value ("" when nothing).
func checkTags(t string) string {
	var obj map[string]any
	switch {
	case len(t) > MaxAttributesBytes:
		return fmt.Sprintf("is larger than %d bytes", MaxAttributesBytes)
	case json.Unmarshal([]byte(t), &obj) != nil || obj == nil:
		return `is not a JSON object such as {"model_version": "qwen2.5-32b-v1.2-fp16"}`
	case hasNUL(obj):
		return `must not hold a NUL character (\u0000): PostgreSQL's jsonb cannot store it`
	}
	if err := checkKeys([]byte(t), nil); err != nil {
		return err.Error()
	}
	return ""
}

// WriteLineItems stores lines idempotently on their natural key: the same line again
// is a duplicate; the same key with another billed cost is reported, not overwritten.
func WriteLineItems(ctx context.Context, pool *pgxpool.Pool, items []LineItem) (accepted, duplicates int, rejected []RowError, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, li := range items {
			var stored *string
			if err := tx.QueryRow(ctx, `INSERT INTO costlens.billing_line_items
				(tenant, provider, billing_account, region, resource_id, resource_type, charge_period_start, charge_period_end,
				 pricing_unit, consumed_quantity, billed_cost, billing_currency, tags)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::numeric, $12, $13::jsonb)
				ON CONFLICT (tenant, provider, billing_account, resource_id, charge_period_start, pricing_unit)
				DO UPDATE SET billed_cost = costlens.billing_line_items.billed_cost
				RETURNING CASE WHEN xmax = 0 THEN NULL ELSE billed_cost::text || ' ' || billing_currency END`,
				li.Tenant, li.Provider, li.BillingAccount, li.Region, li.ResourceID, li.ResourceType, li.PeriodStart, li.PeriodEnd,
				li.PricingUnit, asWritten(li.ConsumedQuantity), asWritten(li.BilledCost), li.Currency, string(li.Tags)).Scan(&stored); err != nil {
				return fmt.Errorf("row %d: %w", li.Row, err)
			}
			switch {
			case stored == nil:
				accepted++
			case sameAmount(*stored, li):
				duplicates++
			default:
				rejected = append(rejected, RowError{Row: li.Row, Field: "BilledCost", Message: fmt.Sprintf(
					"this line (%s, %s) is already stored as %s; not overwritten", li.ResourceID, li.PeriodStart.Format(time.RFC3339), *stored)})
			}
		}
		return nil
	})
	return accepted, duplicates, rejected, err
}

// asWritten renders a decimal with the scale it was read with ("19.80" stays 19.80),
// so PostgreSQL's numeric keeps the amount exactly as the bill stated it.
func asWritten(d decimal.Decimal) string {
	if d.Exponent() < 0 {
		return d.StringFixed(-d.Exponent())
	}
	return d.String()
}

func sameAmount(stored string, li LineItem) bool {
	amount, cur, _ := strings.Cut(stored, " ")
	d, err := decimal.NewFromString(amount)
	return err == nil && d.Equal(li.BilledCost) && cur == li.Currency
}

// IngestFOCUSCSV parses and stores a FOCUS billing export.
func IngestFOCUSCSV(ctx context.Context, pool *pgxpool.Pool, r io.Reader, tenant string, bound bool, window Window) (Report, error) {
	items, rejected, err := ParseFOCUSCSV(r, tenant, bound, window)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Received: len(items) + len(rejected)}
	var conflicts []RowError
	rep.Accepted, rep.Duplicates, conflicts, err = WriteLineItems(ctx, pool, items)
	rep.Rejected = append(append([]RowError{}, rejected...), conflicts...)
	sort.SliceStable(rep.Rejected, func(i, j int) bool { return rep.Rejected[i].Row < rep.Rejected[j].Row })
	return rep, err
}
