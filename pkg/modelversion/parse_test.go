package modelversion

import (
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := map[string]Parts{
		"qwen2.5-32b-v1.2-fp16":        {Model: "qwen2.5", Size: "32b", Version: "v1.2", Quantization: "fp16"},
		"llama-3-70b-instruct-v2-int8": {Model: "llama-3", Size: "70b", Variant: "instruct", Version: "v2", Quantization: "int8"},
		"mixtral-8x7b-instruct-v0.1":   {Model: "mixtral", Size: "8x7b", Variant: "instruct", Version: "v0.1"},
		"qwen2.5-0.5b-awq":             {Model: "qwen2.5", Size: "0.5b", Quantization: "awq"},
		"Qwen2.5-7B-v1.0-INT4":         {Model: "qwen2.5", Size: "7b", Version: "v1.0", Quantization: "int4"},
		// hosted models carry no size: the name stays the model
		"gpt-4o-2024-08-06":    {Model: "gpt-4o-2024-08-06"},
		"claude-3-5-sonnet-v2": {Model: "claude-3-5-sonnet", Version: "v2"},
		"my-model":             {Model: "my-model"},
		"":                     {},
		"fp16":                 {Model: "fp16"},
		// nothing is dropped: what follows the version is part of the variant
		"llama-3-70b-v2-instruct-int8": {Model: "llama-3", Size: "70b", Variant: "instruct", Version: "v2", Quantization: "int8"},
	}
	for name, want := range cases {
		if got := Parse(name); got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", name, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"qwen2.5-32b-v1.2-fp16", "llama-3-70b-instruct-v2-int8", "-", "--v1-", "a-1b-v-int8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p := Parse(name)
		lower := strings.ToLower(strings.TrimSpace(name))
		// every part is a piece of the name, and no (non-empty) token of it is lost or invented
		nonEmpty := func(parts ...string) []string {
			var out []string
			for _, part := range parts {
				for _, tok := range strings.Split(part, "-") {
					if tok != "" {
						out = append(out, tok)
					}
				}
			}
			slices.Sort(out)
			return out
		}
		// (the variant may join pieces from either side of the version; the token check covers it)
		for _, part := range []string{p.Model, p.Size, p.Version, p.Quantization} {
			if !strings.Contains(lower, part) {
				t.Fatalf("part %q is not in the name %q", part, name)
			}
		}
		if got, want := nonEmpty(p.Model, p.Size, p.Variant, p.Version, p.Quantization), nonEmpty(lower); !slices.Equal(got, want) {
			t.Fatalf("parts %+v lose or invent tokens of %q: %v vs %v", p, lower, got, want)
		}
	})
}

func TestWeightBytes(t *testing.T) {
	for name, want := range map[string]float64{
		"llama-3-70b-instruct-v2-fp16": 140e9, // 70e9 x 2
		"qwen2.5-32b-v1.2-int8":        32e9,
		"mixtral-8x7b-v0.1-awq":        28e9, // 56e9 x 0.5
		"qwen2.5-0.5b-v1":              1e9,  // no quantization: 16-bit
	} {
		got, ok := Parse(name).WeightBytes()
		if !ok || got != want {
			t.Errorf("%s: %v %v, want %v", name, got, ok, want)
		}
	}
	for _, name := range []string{"gpt-4o-2024-08-06", "mystery-7b-v1-gguf"} {
		if got, ok := Parse(name).WeightBytes(); ok {
			t.Errorf("%s: %v, want unknown", name, got)
		}
	}
}
