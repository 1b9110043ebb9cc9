// gensdk writes the TypeScript and Go SDKs of a Pulumi package schema with pulumi's own code generators, the
// ones pulumi-language-nodejs and pulumi-language-go call for `pulumi package gen-sdk`. Those language hosts
// ship only in the Pulumi CLI's release archives (the Go module proxy does not serve them), so run.sh uses
// this instead where they are missing.
//
// Usage: gensdk SCHEMA.json OUT_DIR   (writes OUT_DIR/nodejs and OUT_DIR/go)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// noOtherPackages: the svix schema refers to no other package, so nothing is ever loaded.
type noOtherPackages struct{}

var errNoOtherPackages = errors.New("the schema may not refer to other packages")

func (noOtherPackages) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoOtherPackages
}

func (noOtherPackages) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoOtherPackages
}

func (noOtherPackages) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoOtherPackages
}

func (noOtherPackages) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoOtherPackages
}

func main() {
	if len(os.Args) != 3 {
		fail(errors.New("usage: gensdk SCHEMA.json OUT_DIR"))
	}
	raw, err := os.ReadFile(os.Args[1])
	fail(err)
	var spec schema.PackageSpec
	fail(json.Unmarshal(raw, &spec))
	generators := map[string]func(*schema.Package) (map[string][]byte, error){
		"nodejs": func(pkg *schema.Package) (map[string][]byte, error) {
			return nodejs.GeneratePackage("pulumi", pkg, map[string][]byte{}, nil, true, noOtherPackages{})
		},
		"go": func(pkg *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage("pulumi", pkg, nil)
		},
	}
	for language, generate := range generators {
		pkg, diags, err := schema.BindSpec(spec, noOtherPackages{}, schema.ValidationOptions{})
		fail(err)
		if diags.HasErrors() {
			fail(diags)
		}
		files, err := generate(pkg)
		fail(err)
		for name, data := range files {
			path := filepath.Join(os.Args[2], language, name)
			fail(os.MkdirAll(filepath.Dir(path), 0o755))
			fail(os.WriteFile(path, data, 0o644))
		}
		fmt.Printf("gensdk: %s SDK, %d files\n", language, len(files))
	}
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "gensdk:", err)
		os.Exit(1)
	}
}
