/**
 * Test helper, run in a child process by stacks.test.ts (so the Pulumi mocks and stack config
 * it sets stay out of the mocha process): runs the real program for a stack under the offline
 * plan's mocks (cli/commands/plan.ts `runProgramUnderMocks`) and writes every recorded
 * resource (type, name, parent name, inputs with secrets redacted) as JSON.
 *
 * Usage: node -r ts-node/register/transpile-only test/policy/stack-dump.ts <stack> <out.json>
 */
import * as fs from "fs";

import { runProgramUnderMocks } from "../../cli/commands/plan";
import { readStackConfig } from "../../cli/stack-config";

async function main(stack: string, out: string): Promise<void> {
    const { recorder } = await runProgramUnderMocks(readStackConfig(stack));
    const unknownAware = (_key: string, value: unknown) =>
        typeof value === "object" && value !== null && "__pulumiUnknown" in value
            ? { __unknown: true }
            : value;
    fs.writeFileSync(
        out,
        JSON.stringify(
            recorder.resources.map(({ type, name, parent, inputs }) => ({
                type,
                name,
                parent,
                inputs,
            })),
            unknownAware,
        ),
    );
}

main(process.argv[2], process.argv[3]).then(
    () => process.exit(0),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
