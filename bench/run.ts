/**
 * `npm run bench [-- options]`: benchmarks that print figures (never timed assertions).
 *
 * 1. The offline plan (`iotedge-fleet plan`, in a child process) at 10, 100, 1,000 and 5,000
 *    devices: wall time, peak RSS, resources per device, and the ratio to the Pulumi SDK's own
 *    floor (bench/baseline.ts: as many bare resources under the same mocks).
 * 2. A V8 CPU profile of the plan at 1,000 devices, summarised (bench/profile-summary.ts).
 * 3. Converging N devices over loopback SSH with the device test harness (bench/ssh-bench.ts).
 *
 * Prints the figures as markdown and, for a full run (or with --write), replaces the generated
 * section of BENCHMARKS.md with them.
 *
 * Options: --quick (10/100 devices, N = 1/5, no profile; does not write BENCHMARKS.md unless
 * --write), --write / --no-write, --no-plan, --no-profile, --no-ssh, --keep (keep the temp dir),
 * --max-devices N (plan sizes up to N), --repeats N (plan runs per size).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import {
    benchPlanCase,
    mb,
    nodeFlags,
    PlanCase,
    PlanCaseResult,
    PlanRunOptions,
    ROOT,
    runPlan,
} from "./plan-bench";
import { CpuProfile, summarise, summaryMarkdown } from "./profile-summary";
import {
    benchConverge,
    benchDevices,
    benchWire,
    cert,
    ConvergeCase,
    deviceSteps,
    payloadBytes,
    sshBenchAvailable,
    STEP_NAMES,
    WireBytes,
} from "./ssh-bench";
import { writeSyntheticStack } from "./stack-gen";
import { linearFit, mean, median, min, seconds, table } from "./stats";

const BENCHMARKS = path.join(ROOT, "BENCHMARKS.md");
export const BEGIN = "<!-- BEGIN GENERATED FIGURES: npm run bench -->";
export const END = "<!-- END GENERATED FIGURES -->";

/** Converge runs per row (fresh devices each time). */
const SSH_REPEATS = 2;

/** Heap for the 5,000-device plan: Node's default (~4 GB here) is not enough (BENCHMARKS.md). */
const LARGE_HEAP_MB = 12288;

interface Options {
    quick: boolean;
    write: boolean;
    plan: boolean;
    profile: boolean;
    ssh: boolean;
    keep: boolean;
    /** Only sizes up to this many devices (plan). */
    maxDevices: number;
    /** Override every plan case's repeat count. */
    repeats?: number;
}

function parseArgs(argv: string[]): Options {
    const value = (f: string): number | undefined => {
        const i = argv.indexOf(f);
        if (i < 0) return undefined;
        const v = Number(argv[i + 1]);
        if (!Number.isInteger(v) || v < 1) throw new Error(`${f} needs a positive integer`);
        argv = [...argv.slice(0, i), ...argv.slice(i + 2)];
        return v;
    };
    const maxDevices = value("--max-devices") ?? Number.POSITIVE_INFINITY;
    const repeats = value("--repeats");
    const has = (f: string) => argv.includes(f);
    const known = [
        "--quick",
        "--write",
        "--no-write",
        "--no-plan",
        "--no-profile",
        "--no-ssh",
        "--keep",
    ];
    const unknown = argv.filter((a) => !known.includes(a));
    if (unknown.length > 0) throw new Error(`unknown option(s) ${unknown.join(" ")}`);
    const quick = has("--quick");
    return {
        quick,
        write: has("--write") || (!quick && !has("--no-write")),
        plan: !has("--no-plan"),
        profile: !quick && !has("--no-profile"),
        ssh: !has("--no-ssh"),
        keep: has("--keep"),
        maxDevices,
        repeats,
    };
}

function log(line: string): void {
    process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// The machine.

function sh(cmd: string, args: string[]): string | undefined {
    try {
        return execFileSync(cmd, args, {
            cwd: ROOT,
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
        }).trim();
    } catch {
        return undefined;
    }
}

function machine(): string {
    const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown";
    // BENCH_COMMIT: what to report when the tree is an export, not a git checkout.
    const commit = process.env.BENCH_COMMIT ?? sh("git", ["rev-parse", "--short", "HEAD"]);
    const dirty =
        process.env.BENCH_COMMIT === undefined &&
        sh("git", ["status", "--porcelain", "--untracked-files=no"]);
    return table(
        ["", ""],
        [
            ["Date", new Date().toISOString().replace(/\.\d+Z$/, "Z")],
            ["CPUs (nproc)", `${os.availableParallelism()}`],
            ["CPU model (/proc/cpuinfo)", model],
            ["Memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
            ["OS", `${os.type()} ${os.release()}`],
            ["Node.js", process.version],
            ["Commit", commit ? `${commit}${dirty ? " (with uncommitted changes)" : ""}` : "n/a"],
        ],
        ["l", "l"],
    );
}

// ---------------------------------------------------------------------------------------------
// 1. Plan.

function planCases(o: Options): PlanCase[] {
    return allPlanCases(o)
        .filter((c) => c.devices <= o.maxDevices)
        .map((c) => (o.repeats ? { ...c, repeats: o.repeats } : c));
}

function allPlanCases(o: Options): PlanCase[] {
    const big: PlanRunOptions = { maxOldSpaceMb: LARGE_HEAP_MB };
    if (o.quick) {
        return [
            { variant: "symmetric", devices: 10, repeats: 2, opts: {} },
            { variant: "symmetric", devices: 100, repeats: 2, opts: {} },
            { variant: "x509", devices: 10, repeats: 2, opts: {} },
            { variant: "x509", devices: 100, repeats: 2, opts: {} },
        ];
    }
    return [
        { variant: "symmetric", devices: 10, repeats: 3, opts: {} },
        { variant: "symmetric", devices: 100, repeats: 3, opts: {} },
        { variant: "symmetric", devices: 1000, repeats: 2, opts: {} },
        { variant: "symmetric", devices: 5000, repeats: 2, opts: big },
        { variant: "x509", devices: 10, repeats: 2, opts: {} },
        { variant: "x509", devices: 100, repeats: 2, opts: {} },
        { variant: "x509", devices: 1000, repeats: 2, opts: {} },
    ];
}

function planTable(results: PlanCaseResult[]): string {
    const rows = results.map((r) => {
        const ok = r.runs.filter((x) => x.ok);
        const base = r.baseline.filter((x) => x.ok);
        const wall = ok.map((x) => x.wallMs);
        const bwall = base.map((x) => x.wallMs);
        const failed = r.runs.find((x) => !x.ok);
        const flags = nodeFlags(r.opts).join(" ");
        return [
            r.variant,
            String(r.devices),
            ok[0]?.resources !== undefined ? String(ok[0].resources) : "–",
            failed
                ? `failed (${failed.code ?? failed.signal})`
                : `${ok.length}${flags ? ` (${flags})` : ""}`,
            wall.length ? `${seconds(min(wall))} / ${seconds(median(wall))}` : "–",
            ok.length ? mb(median(ok.map((x) => x.maxRssKb ?? NaN))) : "–",
            wall.length ? `${(median(wall) / r.devices).toFixed(1)}` : "–",
            bwall.length ? `${seconds(min(bwall))} / ${seconds(median(bwall))}` : "–",
            base.length ? mb(median(base.map((x) => x.maxRssKb ?? NaN))) : "–",
            wall.length && bwall.length ? `${(median(wall) / median(bwall)).toFixed(1)}×` : "–",
        ];
    });
    return table(
        [
            "Fleet",
            "Devices",
            "Resources",
            "Runs",
            "Wall s (min / median)",
            "Peak RSS MB",
            "Wall ms / device",
            "Baseline wall s (min / median)",
            "Baseline RSS MB",
            "Ours ÷ baseline",
        ],
        rows,
        ["l", "r", "r", "l", "r", "r", "r", "r", "r", "r"],
    );
}

function resourceModel(results: PlanCaseResult[]): string {
    const lines: string[] = [];
    for (const variant of [...new Set(results.map((r) => r.variant))]) {
        const points = results
            .filter((r) => r.variant === variant)
            .map((r) => ({ devices: r.devices, run: r.runs.find((x) => x.ok) }))
            .filter((p) => p.run?.resources !== undefined);
        if (points.length < 2) continue;
        const fit = linearFit(points.map((p) => [p.devices, p.run!.resources!]));
        const lo = points[0];
        const hi = points[points.length - 1];
        const types = [
            ...new Set([...Object.keys(lo.run!.byType!), ...Object.keys(hi.run!.byType!)]),
        ].sort();
        const perType = types
            .map((t) => {
                const a = lo.run!.byType![t] ?? 0;
                const b = hi.run!.byType![t] ?? 0;
                const slope = (b - a) / (hi.devices - lo.devices);
                return { t, slope, fixed: a - slope * lo.devices };
            })
            .filter((x) => x.slope !== 0 || x.fixed !== 0);
        lines.push(
            `**${variant}**: resources = ${fit.intercept.toFixed(0)} + ${fit.slope.toFixed(2)} × devices ` +
                `(largest deviation from the line over ${points.length} sizes: ${fit.maxResidual.toFixed(2)}).`,
            "",
            table(
                ["Type", "Fixed (platform)", "Per device"],
                perType.map((x) => [
                    `\`${x.t}\``,
                    x.fixed.toFixed(0),
                    x.slope === 0 ? "0" : x.slope.toFixed(2),
                ]),
            ),
            "",
        );
    }
    return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------
// 2. Profile.

async function profilePlan(workDir: string): Promise<string> {
    const devices = 1000;
    const file = writeSyntheticStack(
        path.join(workDir, "Pulumi.bench-profile.yaml"),
        devices,
        "symmetric",
    );
    const dir = path.join(workDir, "cpu-profile");
    const run = await runPlan(file, path.join(workDir, "plan-profile"), { cpuProfDir: dir });
    if (!run.ok) return `Profiling run failed: ${run.stderr.trim().split("\n").pop()}`;
    const prof = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!prof) return "No CPU profile was written.";
    const profile = JSON.parse(fs.readFileSync(path.join(dir, prof), "utf8")) as CpuProfile;
    log(`  profile: ${seconds(run.wallMs)} s wall under --cpu-prof`);
    return [
        `Plan at ${devices} devices (symmetric) under \`node --cpu-prof\`: ` +
            `${seconds(run.wallMs)} s wall (profiling adds overhead).`,
        "",
        summaryMarkdown(summarise(profile, 12)),
    ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// 3. SSH.

function sshSizes(o: Options): Array<{ n: number; parallel: number }> {
    const unbounded = Number.POSITIVE_INFINITY;
    if (o.quick)
        return [
            { n: 1, parallel: unbounded },
            { n: 5, parallel: unbounded },
        ];
    return [
        { n: 1, parallel: unbounded },
        { n: 5, parallel: unbounded },
        { n: 10, parallel: unbounded },
        { n: 20, parallel: unbounded },
        { n: 20, parallel: 10 },
        { n: 20, parallel: 4 },
    ];
}

function payloadTable(): string {
    const p = payloadBytes(deviceSteps(benchDevices(1)[0], cert()));
    let total = 0;
    const rows = STEP_NAMES.map((s) => {
        total += p[s].command + p[s].stdin;
        return [s, String(p[s].command), String(p[s].stdin), String(p[s].command + p[s].stdin)];
    });
    rows.push(["**per device**", "", "", `**${total}**`]);
    return table(["Step", "Command string bytes", "stdin bytes", "Total"], rows);
}

function wireTable(w: WireBytes): string {
    const rows: string[][] = [];
    for (const run of ["first", "second"] as const) {
        let up = 0;
        let down = 0;
        for (const s of STEP_NAMES) {
            up += w[run][s].up;
            down += w[run][s].down;
            rows.push([run, s, String(w[run][s].up), String(w[run][s].down)]);
        }
        rows.push([run, "**per device**", `**${up}**`, `**${down}**`]);
    }
    return table(["Run", "Step (1 SSH session)", "Bytes to device", "Bytes from device"], rows, [
        "l",
        "l",
        "r",
        "r",
    ]);
}

/** Every repeat of one row (same device count and parallelism). */
type ConvergeRow = ConvergeCase[];

function convergeTable(rows: ConvergeRow[]): string {
    const wall = (r: ConvergeRow, run: "first" | "second") => r.map((c) => c[run].wallMs);
    const single = rows.find((r) => r[0].devices === 1);
    const ratio = (r: ConvergeRow, run: "first" | "second") =>
        single ? `${(median(wall(r, run)) / median(wall(single, run))).toFixed(2)}×` : "–";
    const minMed = (xs: number[]) => `${seconds(min(xs))} / ${seconds(median(xs))}`;
    const perDevice = (r: ConvergeRow, f: (c: ConvergeCase) => number) =>
        median(r.map((c) => f(c) / c.devices));
    const body = rows.map((r) => {
        const c = r[0];
        return [
            String(c.devices),
            Number.isFinite(c.parallel) ? String(c.parallel) : "unbounded",
            String(r.length),
            minMed(wall(r, "first")),
            ratio(r, "first"),
            minMed(wall(r, "second")),
            ratio(r, "second"),
            `${perDevice(r, (x) => x.first.clientCpuMs).toFixed(0)} / ` +
                `${perDevice(r, (x) => x.second.clientCpuMs).toFixed(0)}`,
            `${mean(r.flatMap((x) => x.first.sessions)).toFixed(1)} / ` +
                `${mean(r.flatMap((x) => x.second.sessions)).toFixed(1)}`,
            `${r.map((x) => x.first.applied).join(", ")} / ${r.map((x) => x.second.applied).join(", ")}`,
        ];
    });
    return table(
        [
            "Devices",
            "Parallel steps",
            "Runs",
            "First run wall s (min / median)",
            "÷ 1 device",
            "No-op run wall s (min / median)",
            "÷ 1 device",
            "ssh client CPU ms / device (first / no-op)",
            "SSH sessions / device (first / no-op)",
            "Devices that ran `iotedge config apply`, per run (first / no-op)",
        ],
        body,
    );
}

function stepTable(c: ConvergeCase): string {
    const rows = STEP_NAMES.map((s, i) => [
        s,
        (c.first.timings[0][i].ms / 1000).toFixed(2),
        c.first.timings[0][i].result,
        (c.second.timings[0][i].ms / 1000).toFixed(2),
        c.second.timings[0][i].result,
    ]);
    return table(["Step", "First run s", "Result", "No-op run s", "Result"], rows, [
        "l",
        "r",
        "l",
        "r",
        "l",
    ]);
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
    const o = parseArgs(process.argv.slice(2));
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "iotedge-fleet-bench-"));
    const started = Date.now();
    const sections: string[] = [];
    sections.push("### Machine", "", machine(), "");
    try {
        if (o.plan) {
            log("plan:");
            const results: PlanCaseResult[] = [];
            for (const c of planCases(o)) results.push(await benchPlanCase(c, workDir, log));
            sections.push(
                "### Offline plan",
                "",
                "Wall time and peak RSS of `node bin/iotedge-fleet.js plan` (child process, " +
                    "startup and writing plan.json/config.toml included); baseline: " +
                    "`bench/baseline.ts`, the same number of bare resources under the same " +
                    "mocks. Ratio of medians.",
                "",
                planTable(results),
                "",
                "#### Resources per device (from plan.json)",
                "",
                resourceModel(results),
            );
        }
        if (o.profile) {
            log("profile:");
            sections.push("### Where the plan's time goes", "", await profilePlan(workDir), "");
        }
        if (o.ssh) {
            const why = sshBenchAvailable();
            sections.push("### Converging devices over loopback SSH", "");
            if (why) {
                log(`ssh: skipped (${why})`);
                sections.push(`Skipped: ${why}.`, "");
            } else {
                log("ssh:");
                const rows: ConvergeRow[] = [];
                for (const { n, parallel } of sshSizes(o)) {
                    const row: ConvergeRow = [];
                    for (let i = 0; i < SSH_REPEATS; i++) {
                        const c = await benchConverge(n, parallel);
                        log(
                            `  ${n} devices, parallel ${parallel} #${i + 1}: ` +
                                `first ${seconds(c.first.wallMs)} s, no-op ${seconds(c.second.wallMs)} s`,
                        );
                        row.push(c);
                    }
                    rows.push(row);
                }
                const wire = await benchWire();
                sections.push(
                    convergeTable(rows),
                    "",
                    "One device, per step (first repeat):",
                    "",
                    stepTable(rows[0][0]),
                    "",
                    "#### Bytes per device",
                    "",
                    "Handed to SSH by the step builders (components/device/steps.ts):",
                    "",
                    payloadTable(),
                    "",
                    "On the wire (TCP payload through a counting relay, OpenSSH client; " +
                        "handshake and authentication included):",
                    "",
                    wireTable(wire),
                    "",
                );
            }
        }
    } finally {
        if (!o.keep) fs.rmSync(workDir, { recursive: true, force: true });
        else log(`kept ${workDir}`);
    }
    sections.push(
        `_Generated by \`npm run bench${o.quick ? " -- --quick" : ""}\` in ` +
            `${((Date.now() - started) / 60000).toFixed(1)} min._`,
        "",
    );
    const figures = sections.join("\n");
    process.stdout.write(figures);
    if (o.write) {
        await writeFigures(figures);
        log(`wrote the figures section of ${path.relative(process.cwd(), BENCHMARKS)}`);
    }
}

/** Replace the generated section of BENCHMARKS.md (between BEGIN and END), then prettier it. */
async function writeFigures(figures: string): Promise<void> {
    const current = fs.existsSync(BENCHMARKS)
        ? fs.readFileSync(BENCHMARKS, "utf8")
        : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
    const start = current.indexOf(BEGIN);
    const end = current.indexOf(END);
    if (start < 0 || end < start) {
        throw new Error(`${BENCHMARKS}: markers ${BEGIN} / ${END} not found`);
    }
    const text = current.slice(0, start + BEGIN.length) + `\n\n${figures}\n` + current.slice(end);
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(BENCHMARKS)) ?? {};
    fs.writeFileSync(BENCHMARKS, await prettier.format(text, { ...config, filepath: BENCHMARKS }));
}

main().catch((err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack : err}\n`);
    process.exitCode = 1;
});
