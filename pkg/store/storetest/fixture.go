package storetest

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// SeedExample loads the small, hand-checked data set the query tests reason about.
//
//	id  tenant  ts (UTC)           feature    user model_version            in/out/cached  priced          reported
//	r1  acme    Mon 03-02 10:00    chat       u1   gpt-4o-2024-08-06        1000/500/0      0.0075 USD      0.0080 USD
//	r2  acme    Mon 03-02 11:30    chat       u2   qwen2.5-32b-v1.2-fp16    2000/1000/1000  0.0720 CNY      -
//	r3  acme    Tue 03-03 09:00    search     u1   gpt-4o-2024-08-06        500/100/0       0.00225 USD     0.0020 USD
//	r4  globex  Tue 03-03 23:30    chat       u3   claude-3-5-sonnet-v2     3000/200/0      0.012 USD       0.10 CNY
//	r5  globex  Sat 03-07 12:00    summarize  u3   qwen2.5-32b-v1.2-fp16    1000/1000/0     0.0725 CNY      -
//	r6  acme    Wed 03-04 08:00    search     u2   mystery-7b               100/50/0        unpriced        -
//
// FX: USD->CNY 7.20 on Mon 03-02, 7.25 on Fri 03-06, 7.10 on Mon 03-09; EUR->USD 1.08 on 03-02.
func SeedExample(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	Exec(t, pool, `INSERT INTO costlens.cost_events
		(tenant, request_id, ts, feature, user_id, model, model_version, provider, region,
		 input_tokens, output_tokens, cached_input_tokens, latency_ms,
		 priced_cost, price_currency, reported_cost, reported_currency) VALUES
		('acme',   'r1', '2026-03-02T10:00:00Z', 'chat',      'u1', 'gpt-4o',            'gpt-4o-2024-08-06',     'openai',    'us-east-1',   1000,  500,    0, 800,  0.0075,  'USD', 0.0080, 'USD'),
		('acme',   'r2', '2026-03-02T11:30:00Z', 'chat',      'u2', 'qwen2.5-32b',       'qwen2.5-32b-v1.2-fp16', 'alibaba',   'cn-hangzhou', 2000, 1000, 1000, 1200, 0.0720,  'CNY', NULL,   NULL),
		('acme',   'r3', '2026-03-03T09:00:00Z', 'search',    'u1', 'gpt-4o',            'gpt-4o-2024-08-06',     'openai',    'us-east-1',    500,  100,    0, 300,  0.00225, 'USD', 0.0020, 'USD'),
		('globex', 'r4', '2026-03-03T23:30:00Z', 'chat',      'u3', 'claude-3-5-sonnet', 'claude-3-5-sonnet-v2',  'anthropic', 'us-west-2',   3000,  200,    0, 950,  0.012,   'USD', 0.10,   'CNY'),
		('globex', 'r5', '2026-03-07T12:00:00Z', 'summarize', 'u3', 'qwen2.5-32b',       'qwen2.5-32b-v1.2-fp16', 'alibaba',   'cn-hangzhou', 1000, 1000,    0, 700,  0.0725,  'CNY', NULL,   NULL),
		('acme',   'r6', '2026-03-04T08:00:00Z', 'search',    'u2', 'mystery',           'mystery-7b',            'selfhost',  'eu-west-1',    100,   50,    0, 100,  NULL,    NULL,  NULL,   NULL)`)
	Exec(t, pool, `INSERT INTO costlens.fx_rates (rate_date, base, quote, rate, source) VALUES
		('2026-03-02', 'USD', 'CNY', 7.2000, 'test'),
		('2026-03-06', 'USD', 'CNY', 7.2500, 'test'),
		('2026-03-09', 'USD', 'CNY', 7.1000, 'test'),
		('2026-03-02', 'EUR', 'USD', 1.0800, 'test')`)
}
