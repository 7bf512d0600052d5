package ingest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// LiteLLMTableDDL creates LiteLLM's LiteLLM_SpendLogs table with LiteLLM's own columns
// and types (litellm_spendlogs.md says where they come from): the tests and the
// benchmark read the importer's input from it, as from a LiteLLM proxy's database.
//
//go:embed litellm_spendlogs.sql
var LiteLLMTableDDL string

// Cursor is where an incremental import has read up to: the last row's start time and
// request id, in that order.
type Cursor struct {
	TS time.Time
	ID string
}

// LoadCursor reads a named cursor of the import bound to tenant (” for none); a cursor
// never saved is the zero Cursor (read from the beginning).
func LoadCursor(ctx context.Context, pool *pgxpool.Pool, tenant, name string) (Cursor, error) {
	var c Cursor
	err := pool.QueryRow(ctx, `SELECT position_ts, position_id FROM costlens.import_cursors WHERE tenant = $1 AND name = $2`,
		tenant, name).Scan(&c.TS, &c.ID)
	if err == pgx.ErrNoRows {
		return Cursor{}, nil
	}
	return c, err
}

// SaveCursor moves a named cursor forward (never back: two imports running at once
// leave the furthest).
func SaveCursor(ctx context.Context, pool *pgxpool.Pool, tenant, name string, c Cursor) error {
	_, err := pool.Exec(ctx, `INSERT INTO costlens.import_cursors AS k (tenant, name, position_ts, position_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (tenant, name) DO UPDATE SET position_ts = excluded.position_ts, position_id = excluded.position_id, updated_at = now()
		WHERE (k.position_ts, k.position_id) < (excluded.position_ts, excluded.position_id)`, tenant, name, c.TS, c.ID)
	return err
}

// litellmColumns are the spend-log columns read, in LiteLLMRow's order; a column an
// older LiteLLM does not have is read as NULL.
var litellmColumns = []struct{ name, expr string }{
	{"request_id", `request_id`}, {"call_type", `call_type::text`}, {"api_key", `api_key::text`}, {"spend", `spend::text`},
	{"prompt_tokens", `prompt_tokens::text`}, {"completion_tokens", `completion_tokens::text`},
	{"startTime", `"startTime"`}, {"endTime", `"endTime"`}, {"request_duration_ms", `request_duration_ms::text`},
	{"model", `model::text`}, {"model_group", `model_group::text`}, {"custom_llm_provider", `custom_llm_provider::text`},
	{"user", `"user"::text`}, {"end_user", `end_user::text`}, {"team_id", `team_id::text`}, {"cache_hit", `cache_hit::text`},
	{"status", `status::text`}, {"metadata", `metadata::text`}, {"request_tags", `request_tags::text`},
}

// LiteLLMPage is how many spend logs are read per query.
const LiteLLMPage = 5000

// DBSource reads LiteLLM_SpendLogs from LiteLLM's own PostgreSQL (conn, with its
// session time zone UTC) in (startTime, request_id) order after from, a page at a time
// on LiteLLM's own (startTime, request_id) index; last hears the last row read.
func (o LiteLLMOptions) DBSource(ctx context.Context, conn *pgx.Conn, from Cursor, rules Rules, last func(Cursor)) Source {
	return func(onEvent func(Event) error, onReject func(RowError), _ func()) error {
		have := map[string]bool{}
		rows, err := conn.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'LiteLLM_SpendLogs'`)
		if err != nil {
			return fmt.Errorf("LiteLLM database: %w", err)
		}
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			have[c] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, need := range []string{"request_id", "startTime", "model", "prompt_tokens", "completion_tokens", "spend"} {
			if !have[need] {
				return formatErrorf(`LiteLLM database: table "LiteLLM_SpendLogs" has no column %q (is this LiteLLM's database?)`, need)
			}
		}
		var sel []string
		for _, c := range litellmColumns {
			if have[c.name] {
				sel = append(sel, c.expr)
			} else {
				sel = append(sel, "NULL")
			}
		}
		q := fmt.Sprintf(`SELECT %s FROM "LiteLLM_SpendLogs" WHERE ("startTime", request_id) > ($1::timestamptz, $2)
			ORDER BY "startTime", request_id LIMIT %d`, strings.Join(sel, ", "), LiteLLMPage)
		at, row := from, 0
		for {
			rows, err := conn.Query(ctx, q, at.TS, at.ID)
			if err != nil {
				return fmt.Errorf("LiteLLM database: %w", err)
			}
			n := 0
			for rows.Next() {
				var r LiteLLMRow
				var start time.Time
				var end *time.Time
				var callType, apiKey, spend, prompt, completion, dur, model, group, provider, user, endUser, team, hit, status, md, tags *string
				if err := rows.Scan(&r.RequestID, &callType, &apiKey, &spend, &prompt, &completion, &start, &end, &dur, &model, &group,
					&provider, &user, &endUser, &team, &hit, &status, &md, &tags); err != nil {
					rows.Close()
					return fmt.Errorf("LiteLLM database: %w", err)
				}
				r.CallType, r.APIKey, r.Model, r.ModelGroup = text(callType), text(apiKey), text(model), text(group)
				r.Provider, r.User, r.EndUser, r.TeamID, r.CacheHit, r.Status = text(provider), text(user), text(endUser), text(team), text(hit), text(status)
				r.Spend, r.PromptTokens, r.CompletionTokens, r.DurationMS = number(spend), number(prompt), number(completion), number(dur)
				r.Metadata, r.RequestTags = []byte(text(md)), []byte(text(tags))
				r.StartTime = start.UTC().Format(time.RFC3339Nano)
				if end != nil {
					r.EndTime = end.UTC().Format(time.RFC3339Nano)
				}
				row++
				n++
				at = Cursor{TS: start.UTC(), ID: r.RequestID}
				e, rowErr := o.Event(row, r, rules)
				if rowErr != nil {
					onReject(*rowErr)
					continue
				}
				if err := onEvent(e); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return fmt.Errorf("LiteLLM database: %w", err)
			}
			if n > 0 {
				last(at)
			}
			if n < LiteLLMPage {
				return nil
			}
		}
	}
}

func number(s *string) json.Number { return json.Number(text(s)) }
