/**
 * `iotedge-fleet plan --stack NAME [--config FILE] --out DIR`
 *
 * Runs the real program (components/program.ts, what index.ts runs under `pulumi up`) under
 * Pulumi mocks, offline and without credentials, and writes what it would declare:
 * - DIR/plan.json: the stack, every resource (type, name, parent, which inputs are secret),
 *   every device (provisioning method, the files placed on it with owner, group and mode);
 * - DIR/devices/<deviceId>/config.toml: each device's rendered IoT Edge config.
 * Output is deterministic, so two plans can be diffed in a pull request; no secret value is
 * ever written (config.toml carries none, and the plan names secret inputs, never their values).
 */
import * as fs from "fs";
import * as path from "path";
import { CommandIO, parseOptions, UsageError } from "../io";
import { checkStack, readStackConfig, StackConfig } from "../stack-config";
import { formatProblem } from "../../components/fleet/validate";
import type { ResolvedFleet } from "../../components/fleet/resolve";
import type { PlanRecorder, RecordedResource, SuppliedReference } from "../plan-mocks";
import type { FleetProgramResult } from "../../components/program";

export interface PlanDevice {
    deviceId: string;
    provisioning: string;
    kind: string;
    files: Array<{ path: string; owner: string; group: string; mode: string }>;
}

export interface PlanDocument {
    stack: string;
    project: string;
    /** Keys of the stack config that were secret and unknown offline. */
    unknownSecrets: string[];
    /** Stack references (a fleet stack's platform) and where the plan got their outputs. */
    stackReferences?: Record<string, SuppliedReference>;
    resources: Array<Pick<RecordedResource, "type" | "name" | "parent" | "secretInputs">>;
    devices: PlanDevice[];
}

export async function run(argv: string[], io: CommandIO): Promise<number> {
    const { values } = parseOptions(argv, { values: ["stack", "config", "out"] });
    if (!values.stack) throw new UsageError("--stack is required");
    if (!values.out) throw new UsageError("--out is required");
    const stack = readStackConfig(values.stack, values.config);

    // Validate first: a bad fleet is rejected with every problem named, before anything runs.
    const check = checkStack(stack);
    if (!check.ok) {
        for (const p of check.problems) io.stderr(`${formatProblem(p)}\n`);
        io.stderr(`plan: ${check.problems.length} problem(s) in ${stack.file}\n`);
        return 1;
    }

    const result = await runProgramUnderMocks(stack, check.fleet);
    const plan = buildPlan(stack, result.recorder, result.program);
    writePlan(values.out, plan, result.configs);
    io.stdout(summary(plan, values.out));
    return 0;
}

/** Every key the fleet names in a `...Secret` field, plus the default SSH key. */
function referencedSecretKeys(fleet: unknown, project: string): string[] {
    const keys = new Set<string>([`${project}:sshPrivateKey`]);
    const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v !== null && typeof v === "object") {
            for (const [k, e] of Object.entries(v)) {
                if (k.endsWith("Secret") && typeof e === "string") keys.add(`${project}:${e}`);
                else walk(e);
            }
        }
    };
    walk(fleet);
    return [...keys];
}

export async function runProgramUnderMocks(
    stack: StackConfig,
    fleet?: ResolvedFleet,
): Promise<{
    recorder: PlanRecorder;
    program: FleetProgramResult;
    configs: Map<string, string>;
}> {
    // Loaded here, not at the top: `validate` and `derive-key` need not pay for the SDK.
    const pulumi = await import("@pulumi/pulumi");
    const { PlanRecorder } = await import("../plan-mocks");
    const recorder = new PlanRecorder(fleet);
    // preview = true: this is a preview; values not known until `pulumi up` stay unknown.
    await pulumi.runtime.setMocks(recorder, stack.project, stack.stack, true);
    const secretKeys = [
        ...new Set([...stack.secretKeys, ...referencedSecretKeys(stack.fleet, stack.project)]),
    ];
    pulumi.runtime.setAllConfig(stack.values, secretKeys);

    const { runFleetProgram, stackOutputs } = await import("../../components/program");
    const settings = await import("@pulumi/pulumi/runtime/settings");
    // The SDK records `new Error().stack` on every promise it makes while registering a resource
    // (runtime/debuggable.ts, for its leak report): four per property of every resource, each
    // formatted through ts-node's source maps. At 1,000 devices that was three quarters of the
    // plan's time and a third of its memory (BENCHMARKS.md). The plan never shows those traces,
    // and the SDK's source positions raise the limit themselves (Resource.callsites): capture
    // no frames while the program runs under the mocks.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
        // As the Pulumi nodejs runtime does: the program runs inside the root Stack resource,
        // and its return value becomes the stack's outputs.
        let program: FleetProgramResult | undefined;
        await pulumi.runtime.runInPulumiStack(async () => {
            recorder.install();
            program = runFleetProgram();
            return stackOutputs(program.outputs);
        });
        if (program === undefined) throw new Error("the program did not run");
        const configs = new Map<string, string>();
        for (const [deviceId, device] of Object.entries(program.devices)) {
            const toml = await settled(device.configToml);
            if (toml !== undefined) configs.set(deviceId, toml);
        }
        // Let every registration reach the mocks before reading what they recorded.
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        return { recorder, program, configs };
    } finally {
        Error.stackTraceLimit = stackTraceLimit;
    }
}

/** The value of an Output, or undefined when it is unknown at preview time. */
async function settled<T>(output: import("@pulumi/pulumi").Output<T>): Promise<T | undefined> {
    const pulumi = await import("@pulumi/pulumi");
    // OutputImpl.promise(withUnknowns): resolves to the `unknown` sentinel rather than hanging.
    const value = await (
        output as unknown as { promise(withUnknowns: boolean): Promise<T> }
    ).promise(true);
    return pulumi.isUnknown(value) ? undefined : value;
}

export function buildPlan(
    stack: StackConfig,
    recorder: PlanRecorder,
    program: FleetProgramResult,
): PlanDocument {
    const resources = recorder.resources
        .map(({ type, name, parent, secretInputs }) => ({
            type,
            name,
            ...(parent !== undefined ? { parent } : {}),
            secretInputs,
        }))
        .sort((a, b) => (a.type === b.type ? cmp(a.name, b.name) : cmp(a.type, b.type)));
    const devices = program.fleet.devices
        .map((d) => ({
            deviceId: d.deviceId,
            provisioning: d.provisioning.method,
            kind: d.kind,
            files: program.devices[d.deviceId].files.map((f) => ({
                path: f.path,
                owner: f.owner,
                group: f.group,
                mode: f.mode,
            })),
        }))
        .sort((a, b) => cmp(a.deviceId, b.deviceId));
    return {
        stack: stack.stack,
        project: stack.project,
        unknownSecrets: [...stack.unknownSecretKeys].sort(),
        stackReferences: recorder.references,
        resources,
        devices,
    };
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

export function writePlan(out: string, plan: PlanDocument, configs: Map<string, string>): void {
    // Start from an empty devices/ folder so a removed device does not linger in the plan.
    fs.rmSync(path.join(out, "devices"), { recursive: true, force: true });
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, "plan.json"), JSON.stringify(plan, null, 2) + "\n");
    for (const deviceId of [...configs.keys()].sort()) {
        const dir = path.join(out, "devices", deviceId);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "config.toml"), configs.get(deviceId)!);
    }
}

function countBy<T>(items: T[], key: (t: T) => string): Array<[string, number]> {
    const counts = new Map<string, number>();
    for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => cmp(a[0], b[0]));
}

export function summary(plan: PlanDocument, out: string): string {
    const lines = [
        `Plan for stack ${plan.stack} (offline, under Pulumi mocks; no cloud was contacted)`,
    ];
    lines.push("", `Resources: ${plan.resources.length}`);
    for (const [type, n] of countBy(plan.resources, (r) => r.type)) {
        lines.push(`  ${String(n).padStart(6)}  ${type}`);
    }
    lines.push("", `Devices: ${plan.devices.length}`);
    for (const [method, n] of countBy(plan.devices, (d) => d.provisioning)) {
        lines.push(`  ${String(n).padStart(6)}  ${method}`);
    }
    const secretInputs = plan.resources.reduce((n, r) => n + r.secretInputs.length, 0);
    lines.push("", `Secret inputs: ${secretInputs} (named in plan.json, values never written)`);
    if (plan.unknownSecrets.length > 0) {
        lines.push(`Encrypted config read as unknown secrets: ${plan.unknownSecrets.join(", ")}`);
    }
    lines.push(
        "",
        `Wrote ${path.join(out, "plan.json")} and ${path.join(out, "devices")}/<deviceId>/config.toml`,
        "",
    );
    return lines.join("\n");
}
