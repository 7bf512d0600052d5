package engine_test

import (
	"testing"
	"time"

	"github.com/costlens/costlens/pkg/query"
	"github.com/costlens/costlens/pkg/query/engine"
)

func TestBucketStartOnLocalWallTime(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	got := engine.BucketStart(time.Date(2026, 3, 3, 23, 30, 0, 0, time.UTC), query.Bucket{Fixed: 24 * time.Hour}, sh)
	if want := time.Date(2026, 3, 4, 0, 0, 0, 0, sh); !got.Equal(want) {
		t.Errorf("day start %s, want %s", got, want)
	}
	// weeks start on Monday
	got = engine.BucketStart(time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC), query.Bucket{Fixed: 7 * 24 * time.Hour}, time.UTC)
	if want := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("week start %s, want %s", got, want)
	}
}
