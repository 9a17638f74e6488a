/**
 * The floor the Pulumi SDK itself sets for the offline plan: register COUNT bare resources
 * (no inputs, no outputs, no parent but the stack) under the same mocks the plan uses
 * (cli/plan-mocks.ts PlanRecorder, preview mode, inside runInPulumiStack), and wait for every
 * registration to reach the mocks, as cli/commands/plan.ts does.
 *
 * Run as a child with the plan's own bootstrap (ts-node, transpile-only):
 *   node -r ts-node/register/transpile-only bench/baseline.ts COUNT
 * COUNT counts the root Stack resource too, so it is directly a plan's resource count.
 */
import * as pulumi from "@pulumi/pulumi";
import { PlanRecorder } from "../cli/plan-mocks";

/** Type token of the bare resources. */
export const BARE_TYPE = "bench:index:Bare";

/** A custom resource with no inputs and no outputs. */
class Bare extends pulumi.CustomResource {
    constructor(name: string) {
        super(BARE_TYPE, name, {});
    }
}

export async function registerBare(count: number): Promise<number> {
    const recorder = new PlanRecorder();
    await pulumi.runtime.setMocks(recorder, "iotedge-fleet", "bench", true);
    await pulumi.runtime.runInPulumiStack(async () => {
        recorder.install();
        // The Stack resource itself is one of `count`.
        for (let i = 1; i < count; i++) {
            new Bare(`bare-${i}`);
        }
        return {};
    });
    const settings = await import("@pulumi/pulumi/runtime/settings");
    await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return recorder.resources.length;
}

if (require.main === module) {
    const count = Number(process.argv[2]);
    if (!Number.isInteger(count) || count < 1) {
        process.stderr.write("usage: baseline.ts COUNT\n");
        process.exit(2);
    }
    registerBare(count).then(
        (n) => process.stdout.write(`registered ${n} resources\n`),
        (err) => {
            process.stderr.write(`baseline: ${err instanceof Error ? err.stack : err}\n`);
            process.exitCode = 1;
        },
    );
}
