// Prints the hashicorp/azurerm provider's muxed schema (SDKv2 + plugin framework, as
// Terraform sees it) in the `terraform providers schema -json` format, for
// scripts/refresh_kit.py terraform. It imports the provider's internal packages, so it is
// built from inside a checkout of the provider at a release tag (tests/kit/README.md):
//
//	mkdir -p internal/tools/schemadump && cp THIS_FILE internal/tools/schemadump/main.go
//	GOFLAGS=-mod=vendor CGO_ENABLED=0 go build -o schemadump ./internal/tools/schemadump
//	./schemadump 5.2.0 > azurerm-5.2.0.json
//
// Protocol 5 has no nested attributes, so only blocks and plain attributes are printed.
// azurerm-5.2.0.json.gz beside this file is its output at v5.2.0 (tests/kit/README.md), the
// input of `refresh_kit.py terraform` for further azurerm types of the services it built.
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
	"github.com/hashicorp/terraform-provider-azurerm/internal/provider/framework"
)

type attr struct {
	Type            json.RawMessage `json:"type,omitempty"`
	Description     string          `json:"description,omitempty"`
	DescriptionKind string          `json:"description_kind,omitempty"`
	Deprecated      bool            `json:"deprecated,omitempty"`
	Required        bool            `json:"required,omitempty"`
	Optional        bool            `json:"optional,omitempty"`
	Computed        bool            `json:"computed,omitempty"`
	Sensitive       bool            `json:"sensitive,omitempty"`
	WriteOnly       bool            `json:"write_only,omitempty"`
}

type blockType struct {
	NestingMode string `json:"nesting_mode"`
	Block       *block `json:"block"`
	MinItems    int64  `json:"min_items,omitempty"`
	MaxItems    int64  `json:"max_items,omitempty"`
}

type block struct {
	Attributes      map[string]*attr      `json:"attributes,omitempty"`
	BlockTypes      map[string]*blockType `json:"block_types,omitempty"`
	Description     string                `json:"description,omitempty"`
	DescriptionKind string                `json:"description_kind,omitempty"`
	Deprecated      bool                  `json:"deprecated,omitempty"`
}

type schema struct {
	Version int64  `json:"version"`
	Block   *block `json:"block"`
}

func kind(k tfprotov5.StringKind) string {
	if k == tfprotov5.StringKindMarkdown {
		return "markdown"
	}
	return "plain"
}

func convAttr(a *tfprotov5.SchemaAttribute) *attr {
	t, err := a.Type.MarshalJSON()
	if err != nil {
		log.Fatal(err)
	}
	return &attr{Type: t, Description: a.Description, DescriptionKind: kind(a.DescriptionKind),
		Deprecated: a.Deprecated, Required: a.Required, Optional: a.Optional, Computed: a.Computed,
		Sensitive: a.Sensitive, WriteOnly: a.WriteOnly}
}

var modes = map[tfprotov5.SchemaNestedBlockNestingMode]string{
	tfprotov5.SchemaNestedBlockNestingModeSingle: "single",
	tfprotov5.SchemaNestedBlockNestingModeList:   "list",
	tfprotov5.SchemaNestedBlockNestingModeSet:    "set",
	tfprotov5.SchemaNestedBlockNestingModeMap:    "map",
	tfprotov5.SchemaNestedBlockNestingModeGroup:  "group",
}

func convBlock(b *tfprotov5.SchemaBlock) *block {
	out := &block{Description: b.Description, DescriptionKind: kind(b.DescriptionKind), Deprecated: b.Deprecated}
	if len(b.Attributes) > 0 {
		out.Attributes = map[string]*attr{}
		for _, a := range b.Attributes {
			out.Attributes[a.Name] = convAttr(a)
		}
	}
	if len(b.BlockTypes) > 0 {
		out.BlockTypes = map[string]*blockType{}
		for _, n := range b.BlockTypes {
			out.BlockTypes[n.TypeName] = &blockType{NestingMode: modes[n.Nesting], Block: convBlock(n.Block),
				MinItems: n.MinItems, MaxItems: n.MaxItems}
		}
	}
	return out
}

func conv(s *tfprotov5.Schema) *schema { return &schema{Version: s.Version, Block: convBlock(s.Block)} }

func main() {
	ctx := context.Background()
	factory, _, err := framework.ProtoV5ProviderServerFactory(ctx)
	if err != nil {
		log.Fatal(err)
	}
	resp, err := factory().GetProviderSchema(ctx, &tfprotov5.GetProviderSchemaRequest{})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		log.Printf("diagnostic: %s: %s", d.Summary, d.Detail)
	}
	res := map[string]*schema{}
	for k, v := range resp.ResourceSchemas {
		res[k] = conv(v)
	}
	data := map[string]*schema{}
	for k, v := range resp.DataSourceSchemas {
		data[k] = conv(v)
	}
	out := map[string]any{
		"format_version": "1.0",
		"provider_schemas": map[string]any{
			"registry.terraform.io/hashicorp/azurerm": map[string]any{
				"provider": conv(resp.Provider), "resource_schemas": res, "data_source_schemas": data,
			},
		},
		"provider_versions": map[string]string{"registry.terraform.io/hashicorp/azurerm": os.Args[1]},
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		log.Fatal(err)
	}
}
