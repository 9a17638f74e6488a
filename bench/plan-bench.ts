/**
 * Offline-plan benchmark: the real `plan` command in a child process over synthetic stacks
 * (bench/stack-gen.ts), and the SDK floor (bench/baseline.ts) for the same resource count.
 * Every child runs alone (one at a time), preloaded with bench/rusage-hook.js for its peak RSS.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { FleetVariant, writeSyntheticStack } from "./stack-gen";

export const ROOT = path.resolve(__dirname, "..");
const HOOK = path.join(__dirname, "rusage-hook.js");

export interface ChildRun {
    /** Wall time from spawn to exit, ms. */
    wallMs: number;
    /** Peak RSS of the child (ru_maxrss), KB; undefined when it died before reporting. */
    maxRssKb?: number;
    userMs?: number;
    systemMs?: number;
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
}

/** Run `node <nodeArgs> -r rusage-hook <args>` in ROOT; never rejects on a non-zero exit. */
export function runNode(nodeArgs: string[], args: string[]): Promise<ChildRun> {
    return new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const child = spawn(process.execPath, [...nodeArgs, "-r", HOOK, ...args], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code, signal) => {
            const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
            const m = /^@@bench (.*)$/m.exec(stderr);
            const report = m ? (JSON.parse(m[1]) as Partial<ChildRun>) : {};
            resolve({
                wallMs,
                maxRssKb: report.maxRssKb,
                userMs: report.userMs,
                systemMs: report.systemMs,
                code,
                signal,
                stdout,
                stderr: stderr.replace(/\n?@@bench .*\n?/, ""),
            });
        });
    });
}

export interface PlanRunOptions {
    /** `--max-old-space-size` for the child (MB); default: Node's own limit. */
    maxOldSpaceMb?: number;
    /** Write a V8 CPU profile of the child into this directory (`--cpu-prof`). */
    cpuProfDir?: string;
}

export interface PlanRun extends ChildRun {
    ok: boolean;
    /** Resources in plan.json (the root Stack included). */
    resources?: number;
    devices?: number;
    /** Resource count per type token. */
    byType?: Record<string, number>;
}

export function nodeFlags(opts: PlanRunOptions): string[] {
    return [
        ...(opts.maxOldSpaceMb ? [`--max-old-space-size=${opts.maxOldSpaceMb}`] : []),
        ...(opts.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`] : []),
    ];
}

/** `node bin/iotedge-fleet.js plan --stack bench --config FILE --out DIR`, measured. */
export async function runPlan(
    configFile: string,
    outDir: string,
    opts: PlanRunOptions = {},
): Promise<PlanRun> {
    fs.rmSync(outDir, { recursive: true, force: true });
    const run = await runNode(nodeFlags(opts), [
        path.join(ROOT, "bin", "iotedge-fleet.js"),
        "plan",
        "--stack",
        "bench",
        "--config",
        configFile,
        "--out",
        outDir,
    ]);
    const planFile = path.join(outDir, "plan.json");
    if (run.code !== 0 || !fs.existsSync(planFile)) return { ...run, ok: false };
    const plan = JSON.parse(fs.readFileSync(planFile, "utf8")) as {
        resources: Array<{ type: string }>;
        devices: unknown[];
    };
    const byType: Record<string, number> = {};
    for (const r of plan.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
    return {
        ...run,
        ok: true,
        resources: plan.resources.length,
        devices: plan.devices.length,
        byType,
    };
}

/** bench/baseline.ts: `count` bare resources under the plan's mocks, same bootstrap. */
export async function runBaseline(count: number, opts: PlanRunOptions = {}): Promise<PlanRun> {
    const run = await runNode(
        [...nodeFlags(opts), "-r", "ts-node/register/transpile-only"],
        [path.join(__dirname, "baseline.ts"), String(count)],
    );
    const m = /registered (\d+) resources/.exec(run.stdout);
    const ok = run.code === 0 && m !== null;
    return { ...run, ok, resources: m ? Number(m[1]) : undefined };
}

/** One size of one variant: the stack file, then `repeats` plan runs and baseline runs. */
export interface PlanCase {
    variant: FleetVariant;
    devices: number;
    repeats: number;
    opts: PlanRunOptions;
}

export interface PlanCaseResult extends PlanCase {
    runs: PlanRun[];
    baseline: PlanRun[];
}

export async function benchPlanCase(
    c: PlanCase,
    workDir: string,
    log: (line: string) => void,
): Promise<PlanCaseResult> {
    const file = writeSyntheticStack(
        path.join(workDir, `Pulumi.bench-${c.variant}-${c.devices}.yaml`),
        c.devices,
        c.variant,
    );
    const out = path.join(workDir, `plan-${c.variant}-${c.devices}`);
    const runs: PlanRun[] = [];
    const baseline: PlanRun[] = [];
    for (let i = 0; i < c.repeats; i++) {
        const run = await runPlan(file, out, c.opts);
        runs.push(run);
        log(
            `  plan ${c.variant} ${c.devices} devices #${i + 1}: ` +
                (run.ok
                    ? `${(run.wallMs / 1000).toFixed(2)} s, ${mb(run.maxRssKb)} MB, ${run.resources} resources`
                    : `FAILED (${run.code ?? run.signal}) after ${(run.wallMs / 1000).toFixed(1)} s: ${lastLine(run.stderr)}`),
        );
        if (!run.ok) break;
    }
    const count = runs.find((r) => r.ok)?.resources;
    if (count !== undefined) {
        for (let i = 0; i < c.repeats; i++) {
            const run = await runBaseline(count, c.opts);
            baseline.push(run);
            log(
                `  baseline ${count} bare resources #${i + 1}: ` +
                    (run.ok
                        ? `${(run.wallMs / 1000).toFixed(2)} s, ${mb(run.maxRssKb)} MB`
                        : `FAILED (${run.code ?? run.signal}): ${lastLine(run.stderr)}`),
            );
            if (!run.ok) break;
        }
    }
    fs.rmSync(out, { recursive: true, force: true });
    return { ...c, runs, baseline };
}

export function mb(kb: number | undefined): string {
    return kb === undefined ? "?" : (kb / 1024).toFixed(0);
}

export function lastLine(text: string): string {
    const lines = text.trim().split("\n").filter(Boolean);
    const fatal = lines.find((l) => /FATAL ERROR|heap out of memory/.test(l));
    return (fatal ?? lines[lines.length - 1] ?? "").trim().slice(0, 200);
}
