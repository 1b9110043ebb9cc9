// A TypeScript program on the pulumi-svix plugin, through the SDK generated from its schema (@pulumi/svix): the
// same declarations on two Svix servers, one explicit provider each. Run by run.sh as an Automation API inline
// program (the program runs in this process, so no pulumi-language-nodejs is needed): preview, up, a preview that
// must change nothing, destroy; exits non-zero when a count is not as expected.
import * as pulumi from "@pulumi/pulumi";
import * as auto from "@pulumi/pulumi/automation";
import * as svix from "@pulumi/svix";

const ENVIRONMENTS = ["staging", "production"];
const DECLARED = 1 + ENVIRONMENTS.length * 5; // the stack; per environment its provider and four objects

const program = async () => {
    const config = new pulumi.Config();
    const endpointIds: Record<string, pulumi.Output<string>> = {};
    for (const env of ENVIRONMENTS) {
        const provider = new svix.Provider(env, {
            serverUrl: config.require(`${env}ServerUrl`), token: config.requireSecret(`${env}Token`) });
        const paid = new svix.EventType(`${env}-invoice-paid`, {
            name: "invoice.paid", description: "An invoice was paid in full.", groupName: "billing",
            schemas: { "1": { title: "Invoice paid", type: "object", properties: { invoiceId: { type: "string" } } } },
        }, { provider });
        const app = new svix.Application(`${env}-acme`, { name: "Acme", uid: "acme" }, { provider });
        const billing = new svix.Endpoint(`${env}-acme-billing`, {
            appId: app.id, uid: "billing", url: `https://hooks.example.com/${env}/acme/billing`,
            eventTypes: [paid.name], throttleRate: 20, headers: { Authorization: pulumi.secret("Bearer s3cr3t") },
        }, { provider });
        new svix.Integration(`${env}-acme-zapier`, { appId: app.id, name: "Zapier" }, { provider });
        endpointIds[env] = billing.id;
    }
    return { endpointIds };
};

function expect(what: string, actual: object | undefined, expected: object) {
    const shown = JSON.stringify(actual);
    console.log(`typescript: ${what}: ${shown}`);
    if (shown !== JSON.stringify(expected)) {
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${shown}`);
    }
}

async function main() {
    const env = process.env;
    const stack = await auto.LocalWorkspace.createOrSelectStack(
        { stackName: "dev", projectName: "svix-typescript", program },
        { projectSettings: { name: "svix-typescript", runtime: "nodejs" } });
    await stack.setAllConfig({
        stagingServerUrl: { value: env.STAGING_SERVER_URL! }, stagingToken: { value: env.STAGING_TOKEN!, secret: true },
        productionServerUrl: { value: env.PRODUCTION_SERVER_URL! },
        productionToken: { value: env.PRODUCTION_TOKEN!, secret: true },
    });
    expect("preview", (await stack.preview()).changeSummary, { create: DECLARED });
    const up = await stack.up();
    expect("up", up.summary.resourceChanges, { create: DECLARED });
    console.log(`typescript: endpoint ids ${JSON.stringify(up.outputs.endpointIds.value)}`);
    expect("preview after up", (await stack.preview()).changeSummary, { same: DECLARED });
    expect("destroy", (await stack.destroy()).summary.resourceChanges, { delete: DECLARED });
}

main().catch((err) => { console.error(err); process.exit(1); });
