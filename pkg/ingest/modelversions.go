package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/costlens/costlens/pkg/modelversion"
	"github.com/costlens/costlens/pkg/names"
)

// ModelVersion is one row of costlens.model_versions: the parsed name and the
// deployment facts allocation uses to map a billed resource to what it served.
type ModelVersion struct {
	Row                                  int
	ModelVersion                         string
	Model, Version, Quantization, Params string
	InstanceType, GPUType                string
	GPUs                                 decimal.Decimal
	Provider, Region, ResourceID         string
	DeployedAt, RetiredAt                *time.Time
}

type modelVersionJSON struct {
	ModelVersion string          `json:"model_version"`
	Model        *string         `json:"model"`
	Version      *string         `json:"version"`
	Quantization *string         `json:"quantization"`
	Params       *string         `json:"params"`
	InstanceType string          `json:"instance_type"`
	GPUType      string          `json:"gpu_type"`
	GPUs         json.RawMessage `json:"gpus"`
	Provider     string          `json:"provider"`
	Region       string          `json:"region"`
	ResourceID   string          `json:"resource_id"`
	DeployedAt   string          `json:"deployed_at"`
	RetiredAt    string          `json:"retired_at"`
}

var modelVersionFields = jsonFields(modelVersionJSON{})

// maxGPUs bounds a deployment's GPU count (the largest single deployments are a few
// thousand).
var maxGPUs = decimal.NewFromInt(100_000)

// ParseModelVersions reads a JSON array or NDJSON of model versions. Parts the row
// leaves out come from the name's parser (model "qwen2.5-32b", version "v1.2",
// quantization "fp16", params "32b" for "qwen2.5-32b-v1.2-fp16").
func ParseModelVersions(r io.Reader) ([]ModelVersion, []RowError, error) {
	var out []ModelVersion
	var rejected []RowError
	seen := map[string]int{}
	err := eachJSONRow(r, func(row int, raw []byte) error {
		mv, rowErr := parseModelVersion(row, raw)
		if rowErr == nil {
			if first, dup := seen[mv.ModelVersion]; dup {
				rowErr = &RowError{Row: row, Field: "model_version", Message: fmt.Sprintf("%q is already given in row %d", mv.ModelVersion, first)}
			}
		}
		if rowErr != nil {
			rejected = append(rejected, *rowErr)
			return nil
		}
		seen[mv.ModelVersion] = row
		out = append(out, mv)
		return nil
	}, func(e RowError) { rejected = append(rejected, e) })
	return out, rejected, err
}

func parseModelVersion(row int, raw []byte) (ModelVersion, *RowError) {
	bad := func(field, format string, args ...any) (ModelVersion, *RowError) {
		return ModelVersion{}, &RowError{Row: row, Field: field, Message: fmt.Sprintf(format, args...)}
	}
	var in modelVersionJSON
	if err := decodeRow(raw, &in); err != nil {
		return bad("(json)", "%v", err)
	}
	if err := checkKeys(raw, modelVersionFields); err != nil {
		return bad("(json)", "%v", err)
	}
	deref := func(v *string) string {
		if v == nil {
			return ""
		}
		return *v
	}
	for _, f := range []struct{ name, v string }{{"model_version", in.ModelVersion}, {"model", deref(in.Model)},
		{"version", deref(in.Version)}, {"quantization", deref(in.Quantization)}, {"params", deref(in.Params)},
		{"instance_type", in.InstanceType}, {"gpu_type", in.GPUType}, {"provider", in.Provider}, {"region", in.Region},
		{"resource_id", in.ResourceID}} {
		if msg := names.Check(f.v, MaxNameBytes); msg != "" {
			return bad(f.name, "%s", msg)
		}
	}
	mv := ModelVersion{Row: row, ModelVersion: strings.TrimSpace(in.ModelVersion), InstanceType: in.InstanceType,
		GPUType: in.GPUType, Provider: in.Provider, Region: in.Region, ResourceID: in.ResourceID}
	if mv.ModelVersion == "" {
		return bad("model_version", "is required")
	}
	p := modelversion.Parse(mv.ModelVersion)
	model := p.Model
	if p.Size != "" {
		model += "-" + p.Size
	}
	pick := func(given *string, parsed string) string {
		if given != nil {
			return *given
		}
		return parsed
	}
	mv.Model, mv.Version = pick(in.Model, model), pick(in.Version, p.Version)
	mv.Quantization, mv.Params = pick(in.Quantization, p.Quantization), pick(in.Params, p.Size)
	gpus, err := decimalField(in.GPUs)
	if err != nil {
		return bad("gpus", "%v", err)
	}
	if gpus != nil {
		if gpus.IsNegative() || gpus.GreaterThan(maxGPUs) {
			return bad("gpus", "must be from 0 to %s", maxGPUs)
		}
		mv.GPUs = *gpus
	}
	for _, f := range []struct {
		name, value string
		dest        **time.Time
	}{{"deployed_at", in.DeployedAt, &mv.DeployedAt}, {"retired_at", in.RetiredAt, &mv.RetiredAt}} {
		if strings.TrimSpace(f.value) == "" {
			continue
		}
		t, err := parseTime(strings.TrimSpace(f.value))
		if err != nil {
			return bad(f.name, "%v", err)
		}
		*f.dest = &t
	}
	if mv.DeployedAt != nil && mv.RetiredAt != nil && mv.RetiredAt.Before(*mv.DeployedAt) {
		return bad("retired_at", "%s is before deployed_at %s", mv.RetiredAt.Format(time.RFC3339), mv.DeployedAt.Format(time.RFC3339))
	}
	return mv, nil
}

// WriteModelVersions upserts on model_version in one transaction: a row equal to the
// stored one is a duplicate; a changed row (a retirement, a move to new hardware)
// replaces the stored facts and counts as accepted.
func WriteModelVersions(ctx context.Context, pool *pgxpool.Pool, mvs []ModelVersion) (accepted, duplicates int, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, m := range mvs {
			var changed bool
			err := tx.QueryRow(ctx, `
				WITH old AS (SELECT * FROM costlens.model_versions WHERE model_version = $1),
				up AS (
					INSERT INTO costlens.model_versions (model_version, model, version, quantization, params,
						instance_type, gpu_type, gpus, provider, region, resource_id, deployed_at, retired_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9, $10, $11, $12, $13)
					ON CONFLICT (model_version) DO UPDATE SET model = EXCLUDED.model, version = EXCLUDED.version,
						quantization = EXCLUDED.quantization, params = EXCLUDED.params,
						instance_type = EXCLUDED.instance_type, gpu_type = EXCLUDED.gpu_type, gpus = EXCLUDED.gpus,
						provider = EXCLUDED.provider, region = EXCLUDED.region, resource_id = EXCLUDED.resource_id,
						deployed_at = EXCLUDED.deployed_at, retired_at = EXCLUDED.retired_at
					RETURNING *)
				SELECT NOT EXISTS (SELECT 1 FROM old o, up u WHERE
					(o.model, o.version, o.quantization, o.params, o.instance_type, o.gpu_type, o.gpus, o.provider,
					 o.region, o.resource_id, o.deployed_at, o.retired_at) IS NOT DISTINCT FROM
					(u.model, u.version, u.quantization, u.params, u.instance_type, u.gpu_type, u.gpus, u.provider,
					 u.region, u.resource_id, u.deployed_at, u.retired_at))`,
				m.ModelVersion, m.Model, m.Version, m.Quantization, m.Params, m.InstanceType, m.GPUType,
				asWritten(m.GPUs), m.Provider, m.Region, m.ResourceID, m.DeployedAt, m.RetiredAt).Scan(&changed)
			if err != nil {
				return fmt.Errorf("row %d: %w", m.Row, err)
			}
			if changed {
				accepted++
			} else {
				duplicates++
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return accepted, duplicates, nil
}

// IngestModelVersions parses and stores a model-versions upload.
func IngestModelVersions(ctx context.Context, pool *pgxpool.Pool, r io.Reader) (Report, error) {
	mvs, rejected, err := ParseModelVersions(r)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Received: len(mvs) + len(rejected), Rejected: rejected}
	rep.Accepted, rep.Duplicates, err = WriteModelVersions(ctx, pool, mvs)
	return rep, err
}
