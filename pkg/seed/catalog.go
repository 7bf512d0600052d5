// Package seed generates realistic, deterministic Costlens data (same seed and end
// day, same rows) straight into the schema: events with weekly seasonality and
// injected spikes listed in a manifest, FX rates with weekend gaps, a price book,
// model versions and hourly GPU billing in CNY. Benchmarks and the dev stack use it.
package seed

import "github.com/shopspring/decimal"

type tenant struct {
	name   string
	weight float64
}

var tenants = []tenant{{"acme", 0.5}, {"globex", 0.3}, {"initech", 0.2}}

const usersPerTenant = 8

type feature struct {
	name          string
	weight        float64
	input, output int     // typical tokens
	cachedShare   float64 // typical share of the prompt served from cache
}

var features = []feature{
	{"chat", 0.30, 900, 320, 0.35},
	{"search", 0.20, 1500, 150, 0.10},
	{"summarize", 0.12, 4000, 400, 0.05},
	{"code-assist", 0.12, 2500, 600, 0.40},
	{"classify", 0.10, 300, 5, 0},
	{"embed-docs", 0.08, 1200, 0, 0},
	{"agent", 0.08, 6000, 900, 0.50},
}

type modelVersion struct {
	key, model, provider, region, currency string
	weight                                 float64
	// priceKey names the price_book model; empty means no price (unpriced traffic).
	priceKey     string
	resourceID   string // self-hosted: the GPU instance that serves it
	instanceType string
	gpuType      string
	gpus         int
	quantization string
	version      string
	params       string
	// retiredDaysBeforeEnd > 0: the version stops receiving traffic that many days
	// before the end, though its instance is still billed (a pruning candidate).
	retiredDaysBeforeEnd int
}

var modelVersions = []modelVersion{
	{key: "gpt-4o-2024-08-06", model: "gpt-4o", provider: "openai", region: "us-east-1", currency: "USD", weight: 0.14, priceKey: "gpt-4o", version: "2024-08-06"},
	{key: "gpt-4o-2024-11-20", model: "gpt-4o", provider: "openai", region: "us-east-1", currency: "USD", weight: 0.10, priceKey: "gpt-4o", version: "2024-11-20"},
	{key: "gpt-4o-mini-2024-07-18", model: "gpt-4o-mini", provider: "openai", region: "us-east-1", currency: "USD", weight: 0.16, priceKey: "gpt-4o-mini", version: "2024-07-18"},
	{key: "claude-3-5-sonnet-v1", model: "claude-3-5-sonnet", provider: "anthropic", region: "us-west-2", currency: "USD", weight: 0.05, priceKey: "claude-3-5-sonnet", version: "v1"},
	{key: "claude-3-5-sonnet-v2", model: "claude-3-5-sonnet", provider: "anthropic", region: "us-west-2", currency: "USD", weight: 0.12, priceKey: "claude-3-5-sonnet", version: "v2"},
	{key: "claude-3-5-haiku-v1", model: "claude-3-5-haiku", provider: "anthropic", region: "us-west-2", currency: "USD", weight: 0.08, priceKey: "claude-3-5-haiku", version: "v1"},
	{key: "qwen2.5-32b-v1.1-fp16", model: "qwen2.5-32b", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.05, priceKey: "qwen2.5-32b", resourceID: "eas-qwen32b-a", instanceType: "ecs.gn7i-c32g1.8xlarge", gpuType: "A10", gpus: 1, quantization: "fp16", version: "v1.1", params: "32b"},
	{key: "qwen2.5-32b-v1.2-fp16", model: "qwen2.5-32b", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.10, priceKey: "qwen2.5-32b", resourceID: "eas-qwen32b-b", instanceType: "ecs.gn7i-c32g1.8xlarge", gpuType: "A10", gpus: 1, quantization: "fp16", version: "v1.2", params: "32b"},
	{key: "qwen2.5-32b-v1.2-int8", model: "qwen2.5-32b", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.06, priceKey: "qwen2.5-32b", resourceID: "eas-qwen32b-b", instanceType: "ecs.gn7i-c32g1.8xlarge", gpuType: "A10", gpus: 1, quantization: "int8", version: "v1.2", params: "32b"},
	{key: "qwen2.5-7b-v1.0-int4", model: "qwen2.5-7b", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.06, priceKey: "qwen2.5-7b", resourceID: "eas-qwen7b", instanceType: "ecs.gn6i-c4g1.xlarge", gpuType: "T4", gpus: 1, quantization: "int4", version: "v1.0", params: "7b"},
	{key: "llama-3-70b-instruct-v2-int8", model: "llama-3-70b-instruct", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.07, priceKey: "llama-3-70b-instruct", resourceID: "eas-llama70b-v2", instanceType: "ecs.gn7e-c16g1.16xlarge", gpuType: "A100", gpus: 2, quantization: "int8", version: "v2", params: "70b"},
	{key: "llama-3-70b-instruct-v1-fp16", model: "llama-3-70b-instruct", provider: "alibaba", region: "cn-hangzhou", currency: "CNY", weight: 0.01, priceKey: "llama-3-70b-instruct", resourceID: "eas-llama70b-v1", instanceType: "ecs.gn7e-c16g1.16xlarge", gpuType: "A100", gpus: 4, quantization: "fp16", version: "v1", params: "70b", retiredDaysBeforeEnd: 12},
	// A preview model missing from the price book: its traffic is unpriced.
	{key: "gpt-4o-audio-preview", model: "gpt-4o-audio-preview", provider: "openai", region: "us-east-1", currency: "USD", weight: 0.003, version: "preview"},
}

type tokenPrice struct {
	provider, model, currency string
	input, output, cached     string // per 1M tokens
}

// Seed prices per million tokens; the price book of record is the YAML one.
var tokenPrices = []tokenPrice{
	{"openai", "gpt-4o", "USD", "2.50", "10.00", "1.25"},
	{"openai", "gpt-4o-mini", "USD", "0.15", "0.60", "0.075"},
	{"anthropic", "claude-3-5-sonnet", "USD", "3.00", "15.00", "0.30"},
	{"anthropic", "claude-3-5-haiku", "USD", "0.80", "4.00", "0.08"},
	{"alibaba", "qwen2.5-32b", "CNY", "4.00", "12.00", "1.00"},
	{"alibaba", "qwen2.5-7b", "CNY", "0.50", "1.50", "0.20"},
	{"alibaba", "llama-3-70b-instruct", "CNY", "7.00", "21.00", "2.00"},
}

// hourlyInstancePriceCNY is what each self-hosted GPU instance bills per hour.
var hourlyInstancePriceCNY = map[string]decimal.Decimal{
	"ecs.gn7i-c32g1.8xlarge":  decimal.RequireFromString("19.80"),
	"ecs.gn6i-c4g1.xlarge":    decimal.RequireFromString("8.70"),
	"ecs.gn7e-c16g1.16xlarge": decimal.RequireFromString("68.40"),
}
