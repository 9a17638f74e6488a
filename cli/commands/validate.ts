/**
 * `iotedge-fleet validate --stack NAME [--config FILE]`: exit 0 when the fleet is valid, else
 * exit 1 with one line per problem, each naming the field path. Runs no Pulumi code at all.
 */
import { CommandIO, parseOptions, UsageError } from "../io";
import { checkStack, readStackConfig } from "../stack-config";
import { formatProblem } from "../../components/fleet/validate";

export async function run(argv: string[], io: CommandIO): Promise<number> {
    const { values } = parseOptions(argv, { values: ["stack", "config"] });
    if (!values.stack) throw new UsageError("--stack is required");
    const stack = readStackConfig(values.stack, values.config);
    const result = checkStack(stack);
    if (!result.ok) {
        for (const p of result.problems) io.stdout(`${formatProblem(p)}\n`);
        io.stderr(`validate: ${result.problems.length} problem(s) in ${stack.file}\n`);
        return 1;
    }
    io.stdout(
        `validate: stack ${stack.stack} is valid (${count(result.fleet.devices.length, "device")}, ` +
            `${count(result.fleet.hubs.length, "hub")}, ` +
            `${count(result.fleet.enrollmentGroups.length, "enrollment group")})\n`,
    );
    return 0;
}

function count(n: number, noun: string): string {
    return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
