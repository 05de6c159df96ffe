package oapiclient_test

import (
	"os"
	"strings"
	"testing"

	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/util"
	"go.yaml.in/yaml/v3"
)

// TestGeneratedFromTheSnapshot checks that the committed client is what oapi-codegen
// makes of the committed document with the committed configuration, as go generate
// would make it; httpapi's TestOpenAPISnapshot checks that the document is the one
// the server serves.
func TestGeneratedFromTheSnapshot(t *testing.T) {
	raw, err := os.ReadFile("config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var config struct {
		codegen.Configuration `yaml:",inline"`
		Output                string `yaml:"output"`
	}
	if err := yaml.Unmarshal(raw, &config); err != nil {
		t.Fatal(err)
	}
	options := config.UpdateDefaults()
	if err := options.Validate(); err != nil {
		t.Fatal(err)
	}
	spec, err := util.LoadSwaggerWithOverlay("openapi.json", util.LoadSwaggerWithOverlayOpts{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	code, err := codegen.Generate(spec, options)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(config.Output)
	if err != nil {
		t.Fatal(err)
	}
	// The header names the program that generated the code: here the test binary.
	if body(code) != body(string(committed)) {
		t.Errorf("%s is not what oapi-codegen makes of openapi.json; run go generate ./httpapi/internal/oapiclient", config.Output)
	}
}

// body is generated code from its package clause on.
func body(code string) string {
	if i := strings.Index(code, "\npackage "); i >= 0 {
		return code[i:]
	}
	return code
}
