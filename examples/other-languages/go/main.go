// A Go program on the pulumi-svix plugin, through the SDK generated from its schema: the same declarations on two
// Svix servers, one explicit provider each. Run by run.sh as an Automation API inline program (the program runs
// in this process, so no pulumi-language-go is needed): preview, up, a preview that must change nothing, destroy;
// exits non-zero when a count is not as expected.
package main

import (
	"context"
	"fmt"
	"os"
	"reflect"

	"github.com/pulumi-svix/pulumi-svix/sdk/go/svix"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

var environments = []string{"staging", "production"}

// The stack; per environment its provider and four objects.
var declared = 1 + len(environments)*5

func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	endpointIds := pulumi.StringMap{}
	for _, env := range environments {
		provider, err := svix.NewProvider(ctx, env, &svix.ProviderArgs{
			ServerUrl: pulumi.String(cfg.Require(env + "ServerUrl")),
			Token:     cfg.RequireSecret(env + "Token"),
		})
		if err != nil {
			return err
		}
		paid, err := svix.NewEventType(ctx, env+"-invoice-paid", &svix.EventTypeArgs{
			Name: pulumi.String("invoice.paid"), Description: pulumi.String("An invoice was paid in full."),
			GroupName: pulumi.String("billing"),
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		app, err := svix.NewApplication(ctx, env+"-acme", &svix.ApplicationArgs{
			Name: pulumi.String("Acme"), Uid: pulumi.String("acme"),
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		billing, err := svix.NewEndpoint(ctx, env+"-acme-billing", &svix.EndpointArgs{
			AppId: app.ID().ToStringOutput(), Uid: pulumi.String("billing"),
			Url:        pulumi.String("https://hooks.example.com/" + env + "/acme/billing"),
			EventTypes: pulumi.StringArray{paid.Name}, ThrottleRate: pulumi.Int(20),
			Headers: pulumi.StringMap{"Authorization": pulumi.ToSecret(pulumi.String("Bearer s3cr3t")).(pulumi.StringOutput)},
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		_, err = svix.NewIntegration(ctx, env+"-acme-zapier", &svix.IntegrationArgs{
			AppId: app.ID().ToStringOutput(), Name: pulumi.String("Zapier"),
		}, pulumi.Provider(provider))
		if err != nil {
			return err
		}
		endpointIds[env] = billing.ID().ToStringOutput()
	}
	ctx.Export("endpointIds", endpointIds)
	return nil
}

func expect(what string, actual, expected map[string]int) {
	fmt.Printf("go: %s: %v\n", what, actual)
	if !reflect.DeepEqual(actual, expected) {
		fail(fmt.Errorf("%s: expected %v, got %v", what, expected, actual))
	}
}

func main() {
	ctx := context.Background()
	project := workspace.Project{Name: "svix-go", Runtime: workspace.NewProjectRuntimeInfo("go", nil)}
	stack, err := auto.UpsertStackInlineSource(ctx, "dev", "svix-go", program, auto.Project(project))
	fail(err)
	fail(stack.SetAllConfig(ctx, auto.ConfigMap{
		"stagingServerUrl":    {Value: os.Getenv("STAGING_SERVER_URL")},
		"stagingToken":        {Value: os.Getenv("STAGING_TOKEN"), Secret: true},
		"productionServerUrl": {Value: os.Getenv("PRODUCTION_SERVER_URL")},
		"productionToken":     {Value: os.Getenv("PRODUCTION_TOKEN"), Secret: true},
	}))
	preview, err := stack.Preview(ctx)
	fail(err)
	expect("preview", changes(preview.ChangeSummary), map[string]int{"create": declared})
	up, err := stack.Up(ctx)
	fail(err)
	expect("up", *up.Summary.ResourceChanges, map[string]int{"create": declared})
	fmt.Printf("go: endpoint ids %v\n", up.Outputs["endpointIds"].Value)
	again, err := stack.Preview(ctx)
	fail(err)
	expect("preview after up", changes(again.ChangeSummary), map[string]int{"same": declared})
	destroy, err := stack.Destroy(ctx)
	fail(err)
	expect("destroy", *destroy.Summary.ResourceChanges, map[string]int{"delete": declared})
}

func changes[K ~string](summary map[K]int) map[string]int {
	out := map[string]int{}
	for kind, count := range summary {
		out[string(kind)] = count
	}
	return out
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "go:", err)
		os.Exit(1)
	}
}
