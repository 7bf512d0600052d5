// Package modelversion reads the parts out of model-version names such as
// "qwen2.5-32b-v1.2-fp16" or "llama-3-70b-instruct-v2-int8".
package modelversion

import (
	"regexp"
	"strconv"
	"strings"
)

// Parts of a model-version name; any part the name does not carry is empty.
type Parts struct {
	Model        string // family and generation, e.g. "qwen2.5", "llama-3"
	Size         string // parameter count, e.g. "32b", "8x7b", "0.5b"
	Variant      string // e.g. "instruct", "chat"
	Version      string // e.g. "v1.2"
	Quantization string // e.g. "fp16", "int8", "awq"
}

var (
	sizeRe    = regexp.MustCompile(`^(\d+x)?\d+(\.\d+)?[bmk]$`)
	versionRe = regexp.MustCompile(`^v\d+(\.\d+)*$`)
	quants    = map[string]bool{
		"fp32": true, "fp16": true, "bf16": true, "fp8": true, "fp4": true, "int8": true, "int4": true,
		"w8a8": true, "w4a16": true, "awq": true, "gptq": true, "gguf": true, "q8_0": true, "q4_k_m": true, "q5_k_m": true,
	}
)

// Parse splits name on '-' and recognises a size token, a version token and a trailing
// quantization; what lies before the size is the model, what lies between the size and
// the version, and anything after the version but before the quantization, is the variant. A name with no size token keeps working: only the
// version and quantization it carries are filled, the rest of the name is the model.
func Parse(name string) Parts {
	tokens := strings.Split(strings.ToLower(strings.TrimSpace(name)), "-")
	var p Parts
	if n := len(tokens); n > 1 && quants[tokens[n-1]] {
		p.Quantization = tokens[n-1]
		tokens = tokens[:n-1]
	}
	versionAt := -1
	for i := len(tokens) - 1; i > 0; i-- {
		if versionRe.MatchString(tokens[i]) {
			versionAt = i
			p.Version = tokens[i]
			break
		}
	}
	end := len(tokens)
	var after []string // tokens between the version and the quantization: part of the variant
	if versionAt >= 0 {
		end = versionAt
		after = tokens[versionAt+1:]
	}
	sizeAt := -1
	for i := 1; i < end; i++ {
		if sizeRe.MatchString(tokens[i]) {
			sizeAt = i
			break
		}
	}
	var variant []string
	if sizeAt < 0 {
		p.Model = strings.Join(tokens[:end], "-")
	} else {
		p.Model = strings.Join(tokens[:sizeAt], "-")
		p.Size = tokens[sizeAt]
		variant = tokens[sizeAt+1 : end]
	}
	p.Variant = strings.Join(append(append([]string{}, variant...), after...), "-")
	return p
}

// bytesPerParameter by quantization; a name without one is taken as 16-bit weights.
var bytesPerParameter = map[string]float64{
	"": 2, "fp32": 4, "fp16": 2, "bf16": 2, "fp8": 1, "int8": 1, "w8a8": 1, "q8_0": 1,
	"fp4": 0.5, "int4": 0.5, "w4a16": 0.5, "awq": 0.5, "gptq": 0.5, "q4_k_m": 0.5625, "q5_k_m": 0.6875,
}

// WeightBytes is the memory the model's weights take: parameters (every expert of a
// mixture, "8x7b" = 56B) times bytes per parameter of the quantization; false when
// the name has no size or an unknown quantization.
func (p Parts) WeightBytes() (float64, bool) {
	if p.Size == "" {
		return 0, false
	}
	per, ok := bytesPerParameter[p.Quantization]
	if !ok {
		return 0, false
	}
	s := p.Size
	experts := 1.0
	if i := strings.Index(s, "x"); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, false
		}
		experts, s = n, s[i+1:]
	}
	scale := map[byte]float64{'b': 1e9, 'm': 1e6, 'k': 1e3}[s[len(s)-1]]
	n, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if err != nil || scale == 0 {
		return 0, false
	}
	return experts * n * scale * per, true
}
