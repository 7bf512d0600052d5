package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/costlens/costlens/pkg/store/storetest"
)

// The malformed-input corpus: hundreds of hostile or broken uploads, grouped by kind,
// each sent through the resource endpoint as an Editor would, against PostgreSQL as the
// Grafana role, each with its expected outcome written out: the bad row rejected with
// its row and field while the good rows around it are stored, the value stored exactly
// as the rule says, or the whole upload refused with a 4xx and nothing stored. After
// every case the table is counted, so a row lost or stored wrongly fails the case that
// did it. The rules are the README's (Uploading data: what is accepted).
//
// A row-based case puts its bad row between two good ones (rows 1 and 3), so "2:ts"
// means row 2 was rejected naming ts and rows 1 and 3 were stored.

// corpusCase is one upload and what must come of it.
type corpusCase struct {
	kind, name string
	path       string
	body       string
	status     int    // 200 unless the whole upload is refused (or 422: no row accepted)
	rejected   string // "row:field" pairs joined by ";", or, for a refused upload, a part of its message
	received   int    // rows read (-1: not checked, as for a refused upload)
	delta      int    // rows the upload adds to the kind's table
	check      string // SQL giving one text value of what was stored ("" for none)
	want       string
}

// the clock of the corpus instance: retention 1096 days reaches back to 2023-12-03
var corpusNow = testNow

const goodTS = `"2026-11-02T10:00:00Z"`

// empty is what a check reads for a stored empty text
const empty = "(empty)"

// eventFieldOrder is a full event, every field set, in the order rows are written.
var eventFieldOrder = []string{"tenant", "request_id", "ts", "feature", "user_id", "model", "model_version", "provider",
	"region", "input_tokens", "output_tokens", "cached_input_tokens", "latency_ms", "gpu_seconds", "reported_cost",
	"reported_currency", "attributes"}

// eventRow writes one event of case n, its request id id, with raw JSON values
// overriding the defaults (the value "-" leaves a field out).
func eventRow(id string, over map[string]string) string {
	vals := map[string]string{"tenant": `"acme"`, "request_id": `"` + id + `"`, "ts": goodTS, "feature": `"chat"`,
		"user_id": `"u1"`, "model": `"gpt-4o"`, "model_version": `"gpt-4o-2024-08-06"`, "provider": `"openai"`,
		"region": `"us-east-1"`, "input_tokens": "100", "output_tokens": "20", "cached_input_tokens": "0",
		"latency_ms": "300", "gpu_seconds": "null", "reported_cost": `"0.0123"`, "reported_currency": `"USD"`,
		"attributes": `{"team":"search"}`}
	var parts []string
	for _, k := range eventFieldOrder {
		v := vals[k]
		if o, ok := over[k]; ok {
			v = o
		}
		if v != "-" {
			parts = append(parts, fmt.Sprintf("%q:%s", k, v))
		}
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// eventCase: the middle row of three sets field to raw; want "" rejects it naming
// field (or reject, when the blame is on another), anything else stores it and want is
// the stored column as text (col, when the column is not the field).
func eventCase(n int, name, field, raw, reject, col, want string) corpusCase {
	p := fmt.Sprintf("e%d-", n)
	over := map[string]string{field: raw}
	locator := "request_id"
	if field == "request_id" {
		over["user_id"] = `"` + p + `b"`
		locator = "user_id"
	} else {
		over["request_id"] = `"` + p + `b"`
	}
	body := eventRow(p+"g1", nil) + "\n" + eventRow("", over) + "\n" + eventRow(p+"g3", nil) + "\n"
	c := corpusCase{kind: "events", name: name, path: "ingest/events", body: body, status: 200, received: 3}
	if want == "" {
		if reject == "" {
			reject = field
		}
		c.rejected, c.delta = "2:"+reject, 2
		return c
	}
	if col == "" {
		col = field + "::text"
	}
	if want == empty {
		col = fmt.Sprintf("coalesce(nullif(%s, ''), '%s')", col, empty)
	}
	c.delta = 3
	c.check = fmt.Sprintf("SELECT %s FROM costlens.cost_events WHERE %s = '%sb'", col, locator, p)
	c.want = want
	return c
}

func eventCases() []corpusCase {
	var cs []corpusCase
	n := 0
	add := func(name, field, raw, reject, col, want string) {
		n++
		cs = append(cs, eventCase(n, name, field, raw, reject, col, want))
	}
	// names: every identifier-like field
	long := func(k int) string { return `"` + strings.Repeat("x", k) + `"` }
	for _, f := range []struct {
		name string
		max  int
	}{{"tenant", 100}, {"request_id", 200}, {"feature", 200}, {"user_id", 200}, {"model", 200},
		{"model_version", 200}, {"provider", 200}, {"region", 200}} {
		add(f.name+" with a NUL", f.name, `"a\u0000b"`, "", "", "")
		add(f.name+" with a zero-width space", f.name, `"\u200bacme"`, "", "", "")
		add(f.name+" with a right-to-left override", f.name, `"acme\u202e"`, "", "", "")
		add(f.name+" with a newline", f.name, `"a\nb"`, "", "", "")
		add(f.name+" with a tab", f.name, `"a\tb"`, "", "", "")
		add(f.name+" one byte too long", f.name, long(f.max+1), "", "", "")
		add(f.name+" 10,000 bytes", f.name, long(10000), "", "", "")
		add(f.name+" at its limit", f.name, long(f.max), "", "", strings.Repeat("x", f.max))
		add(f.name+" as a number", f.name, `42`, "(json)", "", "")
		add(f.name+" as an object", f.name, `{"a":1}`, "(json)", "", "")
		add(f.name+" as an array", f.name, `["a"]`, "(json)", "", "")
		add(f.name+" in Japanese", f.name, `"日本語の名前"`, "", "", "日本語の名前")
		add(f.name+" with quotes and SQL", f.name, `"x'); DROP TABLE costlens.cost_events;--"`, "", "", "x'); DROP TABLE costlens.cost_events;--")
		add(f.name+" with an emoji", f.name, `"team 🚀"`, "", "", "team 🚀")
		add(f.name+" escaped as \\u0041", f.name, `"\u0041B"`, "", "", "AB")
	}
	// required names: null or empty is a missing value
	add("tenant null", "tenant", `null`, "", "", "")
	add("tenant empty", "tenant", `""`, "", "", "")
	add("tenant left out", "tenant", `-`, "", "", "")
	add("tenant blank", "tenant", `"   "`, "", "", "")
	add("tenant padded is trimmed", "tenant", `"  acme  "`, "", "", "acme")
	add("request_id null", "request_id", `null`, "", "", "")
	add("request_id left out", "request_id", `-`, "", "", "")
	add("request_id blank", "request_id", `" "`, "", "", "")
	// optional names: null is empty
	add("feature null", "feature", `null`, "", "", empty)
	add("region left out", "region", `-`, "", "", empty)

	// token counts
	for _, f := range []string{"input_tokens", "output_tokens", "cached_input_tokens"} {
		add(f+" negative", f, `-1`, "", "", "")
		add(f+" over 1e9", f, `1000000001`, "", "", "")
		add(f+" at the int64 maximum", f, `9223372036854775807`, "", "", "")
		add(f+" past int64", f, `9223372036854775808`, "(json)", "", "")
		add(f+" fractional", f, `1.5`, "(json)", "", "")
		add(f+" in exponent form", f, `1e3`, "(json)", "", "")
		add(f+" as a string", f, `"100"`, "(json)", "", "")
		add(f+" as true", f, `true`, "(json)", "", "")
		add(f+" at 1e9", f, `1000000000`, "", "", "1000000000")
		add(f+" zero", f, `0`, "", "", "0")
		add(f+" null is 0", f, `null`, "", "", "0")
		add(f+" left out is 0", f, `-`, "", "", "0")
	}
	// latency
	add("latency_ms negative", "latency_ms", `-5`, "", "", "")
	add("latency_ms past int32", "latency_ms", `2147483648`, "(json)", "", "")
	add("latency_ms as a string", "latency_ms", `"300"`, "(json)", "", "")
	add("latency_ms zero", "latency_ms", `0`, "", "", "0")
	add("latency_ms null", "latency_ms", `null`, "", "coalesce(latency_ms::text, 'null')", "null")
	// GPU-seconds
	for _, v := range []string{`"-1"`, `-0.5`, `"10000001"`, `"1e309"`, `1e309`, `"NaN"`, `"abc"`, `"1,5"`, `""`, `true`} {
		add("gpu_seconds "+v, "gpu_seconds", v, "", "", "")
	}
	add("gpu_seconds tiny", "gpu_seconds", `"0.000001"`, "", "", "0.000001")
	add("gpu_seconds as a number", "gpu_seconds", `1.5`, "", "", "1.5")
	add("gpu_seconds at the limit", "gpu_seconds", `"10000000"`, "", "", "10000000")
	add("gpu_seconds keeps its scale", "gpu_seconds", `"2.50"`, "", "", "2.50")
	// reported cost and currency
	for _, v := range []string{`"-0.01"`, `-1`, `"1e309"`, `"1000000.01"`, `"NaN"`, `"Infinity"`, `"1,5"`, `"$12"`, `"0x10"`, `true`} {
		add("reported_cost "+v, "reported_cost", v, "reported_cost", "", "")
	}
	add("reported_cost tiny", "reported_cost", `"0.000000001"`, "", "", "0.000000001")
	add("reported_cost as a number", "reported_cost", `12.34`, "", "", "12.34")
	add("reported_cost at the limit", "reported_cost", `"1000000"`, "", "", "1000000")
	add("reported_cost zero", "reported_cost", `"0"`, "", "", "0")
	add("reported_cost in exponent form", "reported_cost", `"1.5e-3"`, "", "", "0.0015")
	for _, v := range []string{`"ZZZ"`, `"AAA"`, `"US"`, `"USDD"`, `"$"`, `""`, `"XTS"`, `"usd\u0000"`} {
		add("reported_currency "+v, "reported_currency", v, "", "", "")
	}
	add("reported_currency lower case is read as upper", "reported_currency", `"cny"`, "", "", "CNY")
	add("reported_currency without a cost", "reported_cost", `null`, "reported_cost", "", "")
	// timestamps: the window at 2026-12-03T12:00Z is 2023-12-03T00:00Z to 2026-12-04T12:00Z
	for _, v := range []string{`"1970-01-01T00:00:00Z"`, `"1900-01-01T00:00:00Z"`, `"2999-12-31T00:00:00Z"`, `"0001-01-01T00:00:00Z"`,
		`"2023-12-02T23:59:59Z"`, `"2026-12-04T12:00:01Z"`, `"2026-11-02T10:00:00+24:00"`, `"2026-11-02T10:00:00+14:30"`,
		`"2026-11-02T10:00:00-12:30"`, `"2026-11-02T10:00:00+23:59"`, `"2026-11-02 10:00:00Z"`, `"2026-11-02T10:00:00"`,
		`"2026-02-30T10:00:00Z"`, `"2026-11-02T24:00:00Z"`, `"2026-11-02"`, `"yesterday"`, `""`, `1767225600`, `null`} {
		reject := ""
		if v == `1767225600` {
			reject = "(json)"
		}
		add("ts "+v, "ts", v, reject, "", "")
	}
	const tsCol = "(ts AT TIME ZONE 'UTC')::text"
	add("ts at the start of the window", "ts", `"2023-12-03T00:00:00Z"`, "", tsCol, "2023-12-03 00:00:00")
	add("ts 23 hours ahead", "ts", `"2026-12-04T11:00:00Z"`, "", tsCol, "2026-12-04 11:00:00")
	add("ts at +14:00", "ts", `"2026-11-02T10:00:00+14:00"`, "", tsCol, "2026-11-01 20:00:00")
	add("ts at -12:00", "ts", `"2026-11-02T10:00:00-12:00"`, "", tsCol, "2026-11-02 22:00:00")
	add("ts at +05:30", "ts", `"2026-11-02T10:00:00+05:30"`, "", tsCol, "2026-11-02 04:30:00")
	add("ts with microseconds", "ts", `"2026-11-02T10:00:00.123456Z"`, "", tsCol, "2026-11-02 10:00:00.123456")
	add("ts in lower case (RFC 3339 allows t and z)", "ts", `"2026-11-02t10:00:00z"`, "", tsCol, "2026-11-02 10:00:00")
	// attributes
	for _, v := range []string{`{"a":"\u0000"}`, `{"\u0000":1}`, `{"a":{"b":["\u0000"]}}`, `[1,2]`, `"text"`, `42`, `true`,
		`{"a":1,"a":2}`, `{"o":{"a":1,"a":2}}`, `{"l":[{"a":1,"a":2}]}`, `{"` + strings.Repeat("k", 17<<10) + `":1}`} {
		add("attributes "+truncate(v), "attributes", v, "", "", "")
	}
	add("attributes null is {}", "attributes", `null`, "", "", "{}")
	add("attributes left out is {}", "attributes", `-`, "", "", "{}")
	add("attributes nested", "attributes", `{"n":{"deep":[1,2,{"x":null}]}}`, "", "", `{"n": {"deep": [1, 2, {"x": null}]}}`)
	add("attributes with unicode", "attributes", `{"名前":"値 🚀"}`, "", "", `{"名前": "値 🚀"}`)
	add("attributes with an escaped quote", "attributes", `{"q":"a\"b"}`, "", "", `{"q": "a\"b"}`)
	add("attributes the same key in two objects", "attributes", `{"o":{"a":1},"p":{"a":2}}`, "", "", `{"o": {"a": 1}, "p": {"a": 2}}`)
	return cs
}

func truncate(s string) string {
	if len(s) > 30 {
		return s[:30] + "…"
	}
	return s
}

// eventShapeCases break the JSON and its framing rather than one value.
func eventShapeCases() []corpusCase {
	var cs []corpusCase
	n := 0
	row := func(id string) string { return eventRow(id, nil) }
	add := func(name, body string, status int, rejected string, received, delta int) {
		cs = append(cs, corpusCase{kind: "events", name: name, path: "ingest/events", body: body, status: status,
			rejected: rejected, received: received, delta: delta})
	}
	three := func(name, bad, rejected string) {
		n++
		p := fmt.Sprintf("j%d-", n)
		add(name, row(p+"g1")+"\n"+bad+"\n"+row(p+"g3")+"\n", 200, rejected, 3, 2)
	}
	three("a key in upper case", strings.Replace(row("jx1"), `"tenant"`, `"TENANT"`, 1), "2:(json)")
	three("a key in mixed case", strings.Replace(row("jx2"), `"request_id"`, `"Request_ID"`, 1), "2:(json)")
	three("a key given twice", strings.Replace(row("jx3"), `"feature":"chat"`, `"feature":"chat","feature":"search"`, 1), "2:(json)")
	three("tenant given twice", strings.Replace(row("jx4"), `"tenant":"acme"`, `"tenant":"acme","tenant":"globex"`, 1), "2:(json)")
	three("an unknown key", strings.Replace(row("jx5"), `{`, `{"cost":1,`, 1), "2:(json)")
	three("a key with a trailing space", strings.Replace(row("jx6"), `"model"`, `"model "`, 1), "2:(json)")
	three("a truncated object", `{"tenant":"acme","request_id":`, "2:(json)")
	three("an array on a line", `[1,2,3]`, "2:(json)")
	three("a string on a line", `"just text"`, "2:(json)")
	three("a number on a line", `42`, "2:(json)")
	three("null on a line", `null`, "2:tenant")
	three("an empty object", `{}`, "2:tenant")
	three("a trailing comma", strings.Replace(row("jx7"), `}`, `,}`, 1), "2:(json)")
	three("single quotes", `{'tenant':'acme'}`, "2:(json)")
	three("a comment", `// {"tenant":"acme"}`, "2:(json)")
	three("NaN as a value", strings.Replace(row("jx8"), `"input_tokens":100`, `"input_tokens":NaN`, 1), "2:(json)")
	three("two objects on one line", row("jx9")+row("jx10"), "2:(json)")
	three("an object and garbage", row("jx11")+" trailing", "2:(json)")
	three("invalid UTF-8 bytes in a name", strings.Replace(row("jx12"), `"chat"`, "\"ch\xffat\"", 1), "2:(json)")
	n++
	// framing
	p := fmt.Sprintf("f%d-", n)
	add("lone CR line ends", row(p+"1")+"\r"+row(p+"2")+"\r"+row(p+"3"), 200, "", 3, 3)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("CRLF line ends and blank lines", row(p+"1")+"\r\n\r\n"+row(p+"2")+"\r\n  \r\n"+row(p+"3")+"\r\n", 200, "", 3, 3)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("two arrays one after another", "["+row(p+"1")+","+row(p+"2")+"]["+row(p+"3")+"]", 200, "", 3, 3)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("an array with a bad element", "["+row(p+"1")+`,{"tenant":"acme"},`+row(p+"3")+"]", 200, "2:request_id", 3, 2)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("an array broken halfway", "["+row(p+"1")+","+row(p+"2")+`,{"tenant":`, 200, "3:(json)", 3, 2)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("a byte-order mark first", "\ufeff"+row(p+"1")+"\n"+row(p+"2")+"\n", 200, "", 2, 2)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("a line over 4 MiB", row(p+"1")+"\n"+`{"tenant":"acme","request_id":"`+strings.Repeat("x", 5<<20)+`"}`+"\n"+row(p+"3")+"\n", 200, "2:(json)", 3, 2)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("the same row twice", row(p+"1")+"\n"+row(p+"1")+"\n", 200, "", 2, 1)
	n++
	p = fmt.Sprintf("f%d-", n)
	add("every row bad", `{"tenant":"acme"}`+"\n"+`{"tenant":"acme","request_id":"`+p+`x","ts":"1970-01-01T00:00:00Z"}`, 422, "1:request_id;2:ts", 2, 0)
	add("an empty body", "", 400, "the upload is empty", -1, 0)
	add("only whitespace", " \n\t\r\n ", 400, "the upload is empty", -1, 0)
	add("a lone [", "[", 422, "1:(json)", 1, 0)
	add("a lone ]", "]", 422, "1:(json)", 1, 0)
	return cs
}

// fxCase: rows 1 and 3 are good USD/CNY rates on the days around the bad row's.
func fxCases() []corpusCase {
	var cs []corpusCase
	n := 0
	day := func(k int) string { return fmt.Sprintf("2020-%02d-%02d", 1+k/28, 1+k%28) }
	add := func(name, date, base, quote, rate, source, rejected, want string) {
		n++
		d0, d1, d2 := day(3*n), day(3*n+1), day(3*n+2)
		if date == "" {
			date = d1
		}
		body := "date,base,quote,rate,source\n" + d0 + ",USD,CNY,7.10,corpus\n" +
			strings.Join([]string{date, base, quote, rate, source}, ",") + "\n" + d2 + ",USD,CNY,7.10,corpus\n"
		c := corpusCase{kind: "fx", name: name, path: "ingest/fx", body: body, status: 200, received: 3}
		if rejected != "" {
			c.rejected, c.delta = "3:"+rejected, 2 // the header is line 1
		} else {
			c.delta = 3
			c.check = fmt.Sprintf("SELECT base || '/' || quote || ' ' || rate::text || ' ' || source FROM costlens.fx_rates WHERE rate_date = '%s' AND NOT (base = 'USD' AND quote = 'CNY' AND rate = 7.10)", date)
			c.want = want
		}
		cs = append(cs, c)
	}
	for _, v := range []string{"2020/03/02", "03/02/2020", "2020-13-01", "2020-02-30", "2999-01-01", "2026-12-06", "20200302", "yesterday", `""`} {
		add("date "+v, v, "USD", "CNY", "7.11", "", "date", "")
	}
	for _, v := range []string{"ZZZ", "AAA", "US", "XTS", "", "U$D", "usd\u200b"} {
		add("base "+v, "", v, "CNY", "7.11", "", "base", "")
		add("quote "+v, "", "USD", v, "7.11", "", "quote", "")
	}
	add("base equals quote", "", "USD", "USD", "1", "", "quote", "")
	for _, v := range []string{"-1", "0", "abc", "1e309", "1e13", "NaN", `""`, "Infinity", "0x7"} {
		add("rate "+v, "", "USD", "CNY", v, "", "rate", "")
	}
	add("rate jumps 2x", "", "USD", "CNY", "14.22", "", "rate", "")
	add("a decimal comma (one field too many)", "", "USD", "CNY", "7,2", "", "(csv)", "")
	add("rate with a NUL", "", "USD", "CNY", "7.11\x00", "", "rate", "")
	add("source with a NUL", "", "USD", "CNY", "7.11", "a\x00b", "source", "")
	add("source with a zero-width space", "", "USD", "CNY", "7.11", "ecb\u200b", "source", "")
	add("source too long", "", "USD", "CNY", "7.11", strings.Repeat("s", 201), "source", "")
	add("lower-case codes are read as upper", "", "usd", "cny", "7.11", "", "", "USD/CNY 7.11 ") // no source given: empty
	add("another pair, many decimals", "", "EUR", "JPY", "161.234567", "ecb", "", "EUR/JPY 161.234567 ecb")
	add("a tiny rate", "", "IRR", "USD", "0.0000238", "", "", "IRR/USD 0.0000238 ")
	// whole-file problems: refused, nothing stored
	file := func(name, body, msg string) {
		cs = append(cs, corpusCase{kind: "fx", name: name, path: "ingest/fx", body: body, status: 400, rejected: msg, received: -1})
	}
	cs = append(cs, corpusCase{kind: "fx", name: "one field too few", path: "ingest/fx", status: 200, received: 2, delta: 1, rejected: "3:(csv)",
		body: "date,base,quote,rate\n2021-02-01,USD,CNY,6.45\n2021-02-02,USD,CNY\n"})
	file("a column given twice", "date,base,quote,rate,rate\n2021-01-04,USD,CNY,7.1,7.2\n", `column "rate" appears twice`)
	file("no rate column", "date,base,quote\n2021-01-04,USD,CNY\n", "need date and rate columns")
	file("countries without directions", "Date,Country,Exchange rate\n2021-01-04,China,6.5\n", "direction of its rates is ambiguous")
	file("no base and quote", "date,rate\n2021-01-04,6.5\n", "need base and quote columns")
	file("an unterminated quote in the header", "date,\"base,quote,rate\n", "header")
	return cs
}

// focusCase: rows 1 and 3 are good hourly lines of the same resource.
func focusCases() []corpusCase {
	var cs []corpusCase
	n := 0
	header := []string{"ProviderName", "BillingAccountId", "RegionId", "ResourceId", "ResourceType", "ChargePeriodStart",
		"ChargePeriodEnd", "PricingUnit", "ConsumedQuantity", "BilledCost", "BillingCurrency", "x_Tenant", "Tags"}
	csvRow := func(vals map[string]string) string {
		var out []string
		for _, h := range header {
			v := vals[h]
			if strings.ContainsAny(v, "\",\n") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			out = append(out, v)
		}
		return strings.Join(out, ",")
	}
	line := func(id, start, end string) map[string]string {
		return map[string]string{"ProviderName": "AWS", "BillingAccountId": "123", "RegionId": "us-east-1", "ResourceId": id,
			"ResourceType": "p4d.24xlarge", "ChargePeriodStart": start, "ChargePeriodEnd": end, "PricingUnit": "Hours",
			"ConsumedQuantity": "1", "BilledCost": "32.77", "BillingCurrency": "USD", "x_Tenant": "acme", "Tags": `{"model_version":"m1"}`}
	}
	add := func(name, field, value, rejected, col, want string) {
		n++
		id := fmt.Sprintf("i-corpus-%d", n)
		bad := line(id+"-b", "2026-11-02T10:00:00Z", "2026-11-02T11:00:00Z")
		bad[field] = value
		if field == "ResourceId" {
			bad["RegionId"] = id + "-b"
		}
		body := strings.Join(header, ",") + "\n" + csvRow(line(id, "2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z")) + "\n" +
			csvRow(bad) + "\n" + csvRow(line(id, "2026-11-02T11:00:00Z", "2026-11-02T12:00:00Z")) + "\n"
		c := corpusCase{kind: "billing", name: name, path: "ingest/billing", body: body, status: 200, received: 3}
		if rejected != "" {
			c.rejected, c.delta = "3:"+rejected, 2
		} else {
			locator := fmt.Sprintf("resource_id = '%s-b'", id)
			if field == "ResourceId" {
				locator = fmt.Sprintf("region = '%s-b'", id)
			}
			c.delta, c.check, c.want = 3, fmt.Sprintf("SELECT %s FROM costlens.billing_line_items WHERE %s", col, locator), want
		}
		cs = append(cs, c)
	}
	for _, f := range []string{"ProviderName", "BillingAccountId", "RegionId", "ResourceId", "ResourceType", "PricingUnit", "x_Tenant"} {
		add(f+" with a NUL", f, "a\x00b", f, "", "")
		add(f+" with a zero-width space", f, "\u200bx", f, "", "")
		add(f+" 10,000 bytes", f, strings.Repeat("r", 10000), f, "", "")
		add(f+" with a newline", f, "a\nb", f, "", "")
	}
	add("ProviderName empty", "ProviderName", "", "ProviderName", "", "")
	add("ResourceId empty", "ResourceId", "", "ResourceId", "", "")
	for _, v := range []string{"abc", "1e309", "1e13", "-1e13", "", "19,80", "NaN", "$5"} {
		add("BilledCost "+v, "BilledCost", v, "BilledCost", "", "")
	}
	add("BilledCost negative is a credit", "BilledCost", "-5.00", "", "billed_cost::text", "-5.00")
	add("BilledCost keeps its scale", "BilledCost", "19.800", "", "billed_cost::text", "19.800")
	for _, v := range []string{"ZZZ", "AAA", "", "US$", "EURO"} {
		add("BillingCurrency "+v, "BillingCurrency", v, "BillingCurrency", "", "")
	}
	add("BillingCurrency lower case", "BillingCurrency", "cny", "", "billing_currency::text", "CNY")
	for _, v := range []string{"-1", "1e309", "abc", "1e13"} {
		add("ConsumedQuantity "+v, "ConsumedQuantity", v, "ConsumedQuantity", "", "")
	}
	add("ConsumedQuantity empty is 0", "ConsumedQuantity", "", "", "consumed_quantity::text", "0")
	for _, v := range []string{"1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "2026-11-02T10:00:00+24:00", "2026-11-02T10:00:00+15:00", "tomorrow", "2026-02-30T00:00:00Z"} {
		add("ChargePeriodStart "+v, "ChargePeriodStart", v, "ChargePeriodStart", "", "")
	}
	add("ChargePeriodEnd before the start", "ChargePeriodEnd", "2026-11-02T09:00:00Z", "ChargePeriodEnd", "", "")
	add("ChargePeriodEnd at the start", "ChargePeriodEnd", "2026-11-02T10:00:00Z", "ChargePeriodEnd", "", "")
	add("ChargePeriodStart without a zone is UTC", "ChargePeriodStart", "2026-11-02 10:00:00", "", "(charge_period_start AT TIME ZONE 'UTC')::text", "2026-11-02 10:00:00")
	for _, v := range []string{"[]", `"text"`, "{", `{"a":1,"a":2}`, `{"a":"\u0000"}`, "42", `{"` + strings.Repeat("t", 17<<10) + `":1}`} {
		add("Tags "+truncate(v), "Tags", v, "Tags", "", "")
	}
	add("Tags null is {}", "Tags", "null", "", "tags::text", "{}")
	add("Tags empty is {}", "Tags", "", "", "tags::text", "{}")
	add("Tags an object", "Tags", `{"team":"search","model_version":"m2"}`, "", "tags::text", `{"team": "search", "model_version": "m2"}`)
	file := func(name, body, msg string) {
		cs = append(cs, corpusCase{kind: "billing", name: name, path: "ingest/billing", body: body, status: 400, rejected: msg, received: -1})
	}
	file("a column given twice", strings.Join(header, ",")+",BilledCost\n", `column "BilledCost" appears twice`)
	file("required columns missing", "ProviderName,ResourceId\nAWS,i-1\n", "missing FOCUS columns")
	file("no tenant anywhere", "BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ResourceId,ProviderName\n1,USD,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,i,AWS\n", "no x_Tenant column")
	file("header names in lower case", strings.ToLower(strings.Join(header, ","))+"\n", "missing FOCUS columns")
	return cs
}

// priceCases: a price book file is applied whole or not at all.
func priceCases() []corpusCase {
	var cs []corpusCase
	entry := func(over map[string]string) string {
		vals := [][2]string{{"provider", "corpus"}, {"model", "m"}, {"currency", "USD"}, {"unit", "1m_tokens"},
			{"effective_from", "2026-01-01"}, {"input", `"2.50"`}, {"output", `"10.00"`}}
		var b strings.Builder
		b.WriteString("  - ")
		for i, kv := range vals {
			v := kv[1]
			if o, ok := over[kv[0]]; ok {
				v = o
			}
			if v == "-" {
				continue
			}
			if i > 0 {
				b.WriteString("    ")
			}
			fmt.Fprintf(&b, "%s: %s\n", kv[0], v)
		}
		for k, v := range over {
			if !strings.Contains("provider model currency unit effective_from input output", k) {
				fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(k+": "+v, "\n", "\n    "))
			}
		}
		return b.String()
	}
	good := entry(map[string]string{"model": "good-model"})
	bad := func(name string, over map[string]string, msg string) {
		cs = append(cs, corpusCase{kind: "prices", name: name, path: "ingest/prices", body: "prices:\n" + good + entry(over),
			status: 400, rejected: msg, received: -1})
	}
	for _, v := range []string{"ZZZ", "AAA", "usd", `""`, "US", "XTS", "EURO"} {
		bad("currency "+v, map[string]string{"currency": v}, "prices[1] (corpus m): currency")
	}
	for _, v := range []string{`"-1"`, `"1e309"`, `"abc"`, `"1000001"`, `"NaN"`, `"1,5"`} {
		bad("input "+v, map[string]string{"input": v}, "prices[1] (corpus m): input")
		bad("output "+v, map[string]string{"output": v}, "prices[1] (corpus m): output")
	}
	bad("the same tier twice", map[string]string{"tiers": "\n  - {min_context_tokens: 200000, input: \"5\"}\n  - {min_context_tokens: 200000, input: \"6\"}"},
		"prices[1] (corpus m): tiers[1].input from 2026-01-01 is given twice")
	bad("a tier at 0 tokens", map[string]string{"tiers": "\n  - {min_context_tokens: 0, input: \"5\"}"}, "prices[1].tiers[0]: min_context_tokens must be positive")
	bad("a tier at -5 tokens", map[string]string{"tiers": "\n  - {min_context_tokens: -5, input: \"5\"}"}, "prices[1].tiers[0]: min_context_tokens must be positive")
	bad("the same price twice", map[string]string{"model": "good-model"}, "prices[1] (corpus good-model): input from 2026-01-01 is given twice")
	bad("unit tokens", map[string]string{"unit": "tokens"}, "prices[1] (corpus m): unit")
	bad("unit empty with token prices", map[string]string{"unit": `""`}, "prices[1] (corpus m): unit")
	bad("effective_from 2026-13-01", map[string]string{"effective_from": "2026-13-01"}, "prices[1] (corpus m): effective_from")
	bad("effective_from yesterday", map[string]string{"effective_from": "yesterday"}, "prices[1] (corpus m): effective_from")
	bad("checked_on bad", map[string]string{"checked_on": "last week"}, "prices[1] (corpus m): checked_on")
	bad("provider empty", map[string]string{"provider": `""`}, "prices[1]: provider and model are required")
	bad("model left out", map[string]string{"model": "-"}, "prices[1]: provider and model are required")
	bad("provider with a NUL", map[string]string{"provider": `"a\0b"`}, "prices[1]: provider")
	bad("model with a zero-width space", map[string]string{"model": `"m\u200b"`}, "prices[1]: model")
	bad("a bad pattern", map[string]string{"model": `"gpt-["`, "pattern": "true"}, "prices[1]: model pattern")
	bad("an unknown field", map[string]string{"inptu": `"1"`}, "field inptu not found")
	bad("a field in the wrong case", map[string]string{"Currency": "USD"}, "field Currency not found")
	bad("a field given twice", map[string]string{"input": "\"2.50\"\n    input: \"3.00\""}, `mapping key "input" already defined`)
	bad("gpu_second negative", map[string]string{"gpu_second": `"-1"`}, "prices[1] (corpus m): gpu_second")
	bad("request not a number", map[string]string{"request": `"x"`}, "prices[1] (corpus m): request")
	bad("instance_hour too large", map[string]string{"instance_hour": `"10000000"`}, "prices[1] (corpus m): instance_hour")
	whole := func(name, body, msg string) {
		cs = append(cs, corpusCase{kind: "prices", name: name, path: "ingest/prices", body: body, status: 400, rejected: msg, received: -1})
	}
	whole("prices not a list", "prices: {a: 1}\n", "price book")
	whole("a tab for indentation", "prices:\n\t- provider: x\n", "price book")
	whole("not YAML at all", "{{{", "price book")
	whole("an unknown top-level key", "price: []\n", "field price not found")
	// and two that are accepted: the prices stored as written
	cs = append(cs, corpusCase{kind: "prices", name: "a good file", path: "ingest/prices", body: "prices:\n" + entry(map[string]string{"model": "ok-1"}),
		status: 200, received: -1, delta: 2,
		check: "SELECT string_agg(usage_type || '=' || unit_price::text, ' ' ORDER BY usage_type) FROM costlens.price_book WHERE model = 'ok-1'",
		want:  "input=2.50 output=10.00"})
	cs = append(cs, corpusCase{kind: "prices", name: "two tiers", path: "ingest/prices",
		body:   "prices:\n" + entry(map[string]string{"model": "ok-2", "tiers": "\n  - {min_context_tokens: 128000, input: \"5\"}\n  - {min_context_tokens: 200000, input: \"6\"}"}),
		status: 200, received: -1, delta: 4,
		check: "SELECT string_agg(min_context_tokens || ':' || unit_price::text, ' ' ORDER BY min_context_tokens) FROM costlens.price_book WHERE model = 'ok-2' AND usage_type = 'input'",
		want:  "0:2.50 128000:5 200000:6"})
	return cs
}

func modelVersionCases() []corpusCase {
	var cs []corpusCase
	n := 0
	add := func(name, bad, rejected, check, want string) {
		n++
		p := fmt.Sprintf("mv-corpus-%d", n)
		body := fmt.Sprintf(`{"model_version":"%s-a","gpus":1}`+"\n%s\n"+`{"model_version":"%s-c","gpus":1}`+"\n", p, strings.ReplaceAll(bad, "ID", p), p)
		c := corpusCase{kind: "model-versions", name: name, path: "ingest/model-versions", body: body, status: 200, received: 3}
		if rejected != "" {
			c.rejected, c.delta = "2:"+rejected, 2
		} else {
			c.delta, c.check, c.want = 3, strings.ReplaceAll(check, "ID", p), want
		}
		cs = append(cs, c)
	}
	for _, v := range []string{`-1`, `"1e309"`, `"abc"`, `100001`, `"NaN"`} {
		add("gpus "+v, `{"model_version":"ID-b","gpus":`+v+`}`, "gpus", "", "")
	}
	add("gpus true", `{"model_version":"ID-b","gpus":true}`, "gpus", "", "")
	add("model_version empty", `{"model_version":"","gpus":1}`, "model_version", "", "")
	add("model_version left out", `{"gpus":1}`, "model_version", "", "")
	add("model_version with a NUL", `{"model_version":"ID\u0000b"}`, "model_version", "", "")
	add("model_version 201 bytes", `{"model_version":"ID`+strings.Repeat("v", 201)+`"}`, "model_version", "", "")
	add("model_version twice in the file", `{"model_version":"ID-a","gpus":1}`, "model_version", "", "")
	for _, f := range []string{"instance_type", "gpu_type", "provider", "region", "resource_id", "model", "version", "quantization", "params"} {
		add(f+" with a zero-width space", `{"model_version":"ID-b","`+f+`":"x\u200b"}`, f, "", "")
		add(f+" 10,000 bytes", `{"model_version":"ID-b","`+f+`":"`+strings.Repeat("y", 10000)+`"}`, f, "", "")
	}
	add("deployed_at +24:00", `{"model_version":"ID-b","deployed_at":"2026-11-02T10:00:00+24:00"}`, "deployed_at", "", "")
	add("deployed_at not a time", `{"model_version":"ID-b","deployed_at":"soon"}`, "deployed_at", "", "")
	add("retired before deployed", `{"model_version":"ID-b","deployed_at":"2026-02-01T00:00:00Z","retired_at":"2026-01-01T00:00:00Z"}`, "retired_at", "", "")
	add("a key in upper case", `{"MODEL_VERSION":"ID-b"}`, "(json)", "", "")
	add("a key given twice", `{"model_version":"ID-b","gpus":1,"gpus":8}`, "(json)", "", "")
	add("an unknown key", `{"model_version":"ID-b","gpu":8}`, "(json)", "", "")
	add("parts parsed from the name", `{"model_version":"ID-qwen2.5-32b-v1.2-fp16"}`, "",
		"SELECT version || ' ' || quantization || ' ' || gpus::text FROM costlens.model_versions WHERE model_version = 'ID-qwen2.5-32b-v1.2-fp16'", "v1.2 fp16 0")
	add("8 GPUs kept exactly", `{"model_version":"ID-b","gpus":"8.0","instance_type":"p4d.24xlarge"}`, "",
		"SELECT gpus::text || ' ' || instance_type FROM costlens.model_versions WHERE model_version = 'ID-b'", "8.0 p4d.24xlarge")
	return cs
}

// boundCases run on a data source bound to tenant acme.
func boundCases() []corpusCase {
	p := "bound-"
	return []corpusCase{
		{kind: "events", name: "bound: another tenant's row", path: "ingest/events", status: 200, received: 3, delta: 2, rejected: "2:tenant",
			body: eventRow(p+"1", nil) + "\n" + eventRow(p+"2", map[string]string{"tenant": `"globex"`}) + "\n" + eventRow(p+"3", nil)},
		{kind: "events", name: "bound: a row naming no tenant gets the bound one", path: "ingest/events", status: 200, received: 1, delta: 1,
			body:  eventRow(p+"4", map[string]string{"tenant": "-"}),
			check: "SELECT tenant FROM costlens.cost_events WHERE request_id = 'bound-4'", want: "acme"},
		{kind: "fx", name: "bound: FX rates are shared", path: "ingest/fx", status: 403, received: -1, rejected: "are shared by every tenant",
			body: "date,base,quote,rate\n2021-01-04,USD,CNY,6.5\n"},
		{kind: "billing", name: "bound: another tenant's line", path: "ingest/billing", status: 422, received: 1, rejected: "2:x_Tenant",
			body: "ProviderName,ResourceId,ChargePeriodStart,ChargePeriodEnd,BilledCost,BillingCurrency,x_Tenant\nAWS,i-b,2026-11-02T10:00:00Z,2026-11-02T11:00:00Z,1,USD,globex\n"},
	}
}

var corpusTables = map[string]string{"events": "cost_events", "fx": "fx_rates", "billing": "billing_line_items",
	"prices": "price_book", "model-versions": "model_versions"}

func TestMalformedInputCorpus(t *testing.T) {
	db := storetest.New(t)
	unbound := newInstance(t, instanceSettings(t, db.URL, nil))
	bound := newInstance(t, instanceSettings(t, db.URL, map[string]any{"tenant": "acme"}))
	var all []corpusCase
	for _, group := range [][]corpusCase{eventCases(), eventShapeCases(), fxCases(), focusCases(), priceCases(), modelVersionCases()} {
		all = append(all, group...)
	}
	byKind := map[string]int{}
	for _, c := range all {
		byKind[c.kind]++
	}
	boundSet := boundCases()
	if total := len(all) + len(boundSet); total < 400 {
		t.Fatalf("the corpus holds %d cases, fewer than 400", total)
	}
	t.Logf("%d cases: %v, and %d on a bound data source", len(all)+len(boundSet), byKind, len(boundSet))
	run := func(d *Datasource, c corpusCase) {
		t.Run(c.kind+"/"+c.name, func(t *testing.T) {
			before := countRows(t, db.Owner, c.kind)
			status, resp := post(t, d, "Editor", c.path, []byte(c.body))
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, truncateResp(resp))
			}
			if status >= 400 && status != 422 {
				var answer struct{ Error string }
				_ = json.Unmarshal([]byte(resp), &answer)
				if !strings.Contains(answer.Error, c.rejected) {
					t.Errorf("answer %s does not say %q", truncateResp(resp), c.rejected)
				}
			} else if c.kind != "prices" {
				var rep struct {
					Received, Accepted, Duplicates int
					Rejected                       []struct {
						Row   int
						Field string
					}
				}
				if err := json.Unmarshal([]byte(resp), &rep); err != nil {
					t.Fatalf("answer %s: %v", truncateResp(resp), err)
				}
				var got []string
				for _, r := range rep.Rejected {
					got = append(got, fmt.Sprintf("%d:%s", r.Row, r.Field))
				}
				sort.Strings(got)
				if g := strings.Join(got, ";"); g != c.rejected {
					t.Errorf("rejected %q, want %q: %s", g, c.rejected, truncateResp(resp))
				}
				if c.received >= 0 && rep.Received != c.received {
					t.Errorf("received %d, want %d", rep.Received, c.received)
				}
				if rep.Received != rep.Accepted+rep.Duplicates+len(rep.Rejected) {
					t.Errorf("received %d is not accepted %d + duplicates %d + rejected %d", rep.Received, rep.Accepted, rep.Duplicates, len(rep.Rejected))
				}
			}
			if after := countRows(t, db.Owner, c.kind); after-before != c.delta {
				t.Errorf("%d rows added to %s, want %d", after-before, corpusTables[c.kind], c.delta)
			}
			if c.check != "" {
				var got *string
				if err := db.Owner.QueryRow(context.Background(), c.check).Scan(&got); err != nil {
					t.Fatalf("%s: %v", c.check, err)
				}
				if got == nil || *got != c.want {
					t.Errorf("stored %v, want %q", deref(got), c.want)
				}
			}
		})
	}
	for _, c := range all {
		run(unbound, c)
	}
	for _, c := range boundSet {
		run(bound, c)
	}
	// the summary table of the closing note (go test -run MalformedInputCorpus -v)
	type tally struct{ cases, rows, stored, whole int }
	tallies := map[string]*tally{}
	for _, c := range append(all, boundSet...) {
		k := tallies[c.kind]
		if k == nil {
			k = &tally{}
			tallies[c.kind] = k
		}
		k.cases++
		switch {
		case c.status >= 400 && c.status != 422:
			k.whole++
		case c.rejected != "":
			k.rows++
		default:
			k.stored++
		}
	}
	t.Logf("%-15s %6s %24s %22s %18s", "kind", "cases", "row error (row, field)", "stored as the rule says", "refused whole 4xx")
	for _, kind := range []string{"events", "fx", "billing", "prices", "model-versions"} {
		k := tallies[kind]
		t.Logf("%-15s %6d %24d %22d %18d", kind, k.cases, k.rows, k.stored, k.whole)
	}
}

func countRows(t *testing.T, pool *pgxpool.Pool, kind string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM costlens."+corpusTables[kind]).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func truncateResp(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return fmt.Sprintf("%q", *s)
}
