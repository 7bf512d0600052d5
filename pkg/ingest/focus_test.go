package ingest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/costlens/costlens/pkg/ingest"
	"github.com/costlens/costlens/pkg/store/storetest"
)

// A FOCUS export as cloud consoles write it: a byte order mark, quoted fields (the Tags
// JSON has commas and doubled quotes), a blank line, and some bad rows.
const focusExport = "\ufeffBillingAccountId,ProviderName,RegionId,ResourceId,ResourceType,ChargePeriodStart,ChargePeriodEnd,PricingUnit,ConsumedQuantity,BilledCost,BillingCurrency,Tags\n" +
	`acct-1,Alibaba Cloud,cn-hangzhou,eas-qwen32b-b,"ecs.gn7i-c32g1.8xlarge",2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,instance-hour,1,19.80,CNY,"{""deployment"":""eas-qwen32b-b"",""team"":""search, ranking""}"` + "\n" +
	"\n" +
	`acct-1,Alibaba Cloud,cn-hangzhou,eas-qwen32b-b,ecs.gn7i-c32g1.8xlarge,2026-03-02T11:00:00Z,2026-03-02T12:00:00Z,instance-hour,1,19.80,CNY,` + "\n" +
	`acct-1,Alibaba Cloud,cn-hangzhou,eas-qwen32b-b,ecs.gn7i-c32g1.8xlarge,2026-03-02T12:00:00Z,2026-03-02T11:00:00Z,instance-hour,1,19.80,CNY,` + "\n" +
	`acct-1,Alibaba Cloud,cn-hangzhou,eas-qwen32b-b,ecs.gn7i-c32g1.8xlarge,2026-03-02T13:00:00Z,2026-03-02T14:00:00Z,instance-hour,1,"19,80",CNY,` + "\n" +
	`acct-1,Alibaba Cloud,cn-hangzhou,,ecs.gn7i-c32g1.8xlarge,2026-03-02T14:00:00Z,2026-03-02T15:00:00Z,instance-hour,1,19.80,CNY,` + "\n" +
	`acct-2,AWS,us-east-1,i-0abc,p4d.24xlarge,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,instance-hour,1,32.77,US$,` + "\n" +
	`acct-2,AWS,us-east-1,i-0abc,p4d.24xlarge,2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,instance-hour,1,32.77,USD,{not json}` + "\n"

func TestFOCUSExport(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	rep, err := ingest.IngestFOCUSCSV(context.Background(), pool, strings.NewReader(focusExport), "acme", false, ingest.Window{})
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`row 5: ChargePeriodEnd: 2026-03-02T11:00:00Z is not after ChargePeriodStart 2026-03-02T12:00:00Z`,
		`row 6: BilledCost: "19,80" is not a decimal number`,
		`row 7: ResourceId: is required`,
		`row 8: BillingCurrency: "US$" is not an ISO-4217 currency code`,
		`row 9: Tags: is not a JSON object such as {"model_version": "qwen2.5-32b-v1.2-fp16"}`,
	}, "\n")
	if rep.Received != 7 || rep.Accepted != 2 || rejectedText(rep) != want {
		t.Errorf("received %d accepted %d, rejected:\n%s\nwant:\n%s", rep.Received, rep.Accepted, rejectedText(rep), want)
	}
	var tags, billed string
	if err := pool.QueryRow(context.Background(), `SELECT tags->>'team', sum(billed_cost) OVER ()::text
		FROM costlens.billing_line_items ORDER BY charge_period_start LIMIT 1`).Scan(&tags, &billed); err != nil {
		t.Fatal(err)
	}
	if tags != "search, ranking" || billed != "39.60" {
		t.Errorf("tags %q, billed %s", tags, billed)
	}

	again, _ := ingest.IngestFOCUSCSV(context.Background(), pool, strings.NewReader(focusExport), "acme", false, ingest.Window{})
	if again.Accepted != 0 || again.Duplicates != 2 {
		t.Errorf("retried export: accepted %d duplicates %d, want 0 and 2", again.Accepted, again.Duplicates)
	}
	restated := strings.Replace(focusExport, "2026-03-02T12:00:00Z,instance-hour,1,19.80", "2026-03-02T12:00:00Z,instance-hour,1,21.00", 1)
	changed, _ := ingest.IngestFOCUSCSV(context.Background(), pool, strings.NewReader(restated), "acme", false, ingest.Window{})
	if !strings.Contains(rejectedText(changed), "row 4: BilledCost: this line (eas-qwen32b-b, 2026-03-02T11:00:00Z) is already stored as 19.80 CNY; not overwritten") {
		t.Errorf("restated line: %s", rejectedText(changed))
	}
}

func TestFOCUSHeaderProblemsStopTheUpload(t *testing.T) {
	pool, _ := storetest.NewPool(t)
	_, err := ingest.IngestFOCUSCSV(context.Background(), pool, strings.NewReader("ResourceId,BilledCost\nx,1\n"), "acme", false, ingest.Window{})
	if err == nil || err.Error() != "header: missing FOCUS columns BillingCurrency, ChargePeriodEnd, ChargePeriodStart, ProviderName" {
		t.Errorf("err = %v", err)
	}
	_, err = ingest.IngestFOCUSCSV(context.Background(), pool, strings.NewReader("BilledCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ResourceId,ProviderName\n"), "", false, ingest.Window{})
	if err == nil || err.Error() != "header: no x_Tenant column, and no tenant given for the whole file" {
		t.Errorf("err = %v", err)
	}
}
