package plugin

import (
	"fmt"
	"os"

	"gopkg.in/yaml.v3"
)

// RuleFile is the part of a Grafana alert-rule provisioning file that says which
// queries each rule runs: its data entries, with the query model and relative range
// (provisioning/alerting/costlens-rules.yaml is one). The provisioning test runs every
// Costlens query in it, and the benchmark times them.
type RuleFile struct {
	Groups []struct {
		Rules []struct {
			UID       string `yaml:"uid"`
			Title     string `yaml:"title"`
			Condition string `yaml:"condition"`
			For       string `yaml:"for"`
			// Grafana reads keepFiringFor in camelCase; keep_firing_for would be dropped
			KeepFiringFor string `yaml:"keepFiringFor"`
			Data          []struct {
				RefID             string         `yaml:"refId"`
				DatasourceUID     string         `yaml:"datasourceUid"`
				Model             map[string]any `yaml:"model"`
				RelativeTimeRange struct {
					From int64 `yaml:"from"` // seconds before now
				} `yaml:"relativeTimeRange"`
			} `yaml:"data"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ReadRuleFile reads an alert-rule provisioning file.
func ReadRuleFile(path string) (RuleFile, error) {
	var rf RuleFile
	raw, err := os.ReadFile(path)
	if err != nil {
		return rf, err
	}
	if err := yaml.Unmarshal(raw, &rf); err != nil {
		return rf, fmt.Errorf("%s: %w", path, err)
	}
	return rf, nil
}
