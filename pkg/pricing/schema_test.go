package pricing

import (
	"encoding/json"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

func schemaKeys(props map[string]any) []string {
	var keys []string
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// The JSON schema documents exactly the fields the loader reads.
func TestSchemaMatchesTheLoader(t *testing.T) {
	raw, err := os.ReadFile("price-book.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	item := schema["properties"].(map[string]any)["prices"].(map[string]any)["items"].(map[string]any)
	if got, want := schemaKeys(item["properties"].(map[string]any)), yamlKeys(reflect.TypeOf(yamlPrice{})); !reflect.DeepEqual(got, want) {
		t.Errorf("schema price fields %v, loader %v", got, want)
	}
	for key, field := range map[string]string{"provider_aliases": "ProviderAliases", "model_aliases": "ModelAliases"} {
		entry := schema["properties"].(map[string]any)[key].(map[string]any)["items"].(map[string]any)
		f, _ := reflect.TypeOf(yamlAliases{}).FieldByName(field)
		if got, want := schemaKeys(entry["properties"].(map[string]any)), yamlKeys(f.Type.Elem()); !reflect.DeepEqual(got, want) {
			t.Errorf("schema %s fields %v, loader %v", key, got, want)
		}
	}
	tier := item["properties"].(map[string]any)["tiers"].(map[string]any)["items"].(map[string]any)
	if got, want := schemaKeys(tier["properties"].(map[string]any)), yamlKeys(reflect.TypeOf(yamlTier{})); !reflect.DeepEqual(got, want) {
		t.Errorf("schema tier fields %v, loader %v", got, want)
	}
}
