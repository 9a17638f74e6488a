/**
 * Summarise a V8 CPU profile (`node --cpu-prof`) as text: top functions by self time, top
 * functions by inclusive time, and self time per module (an npm package, or a project file).
 * No GUI needed: `node -r ts-node/register/transpile-only bench/profile-summary.ts FILE [N]`.
 */
import * as fs from "fs";
import * as path from "path";

interface CallFrame {
    functionName: string;
    url: string;
    lineNumber: number;
    columnNumber: number;
}

interface ProfileNode {
    id: number;
    callFrame: CallFrame;
    children?: number[];
}

export interface CpuProfile {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
    startTime: number;
    endTime: number;
}

export interface ProfileRow {
    label: string;
    ms: number;
    share: number;
}

export interface ProfileSummary {
    totalMs: number;
    selfByFunction: ProfileRow[];
    inclusiveByFunction: ProfileRow[];
    selfByModule: ProfileRow[];
}

const ROOT = path.resolve(__dirname, "..");

/** `@pulumi/pulumi`, `typescript`, `(project) components/device/steps.ts`, `(node) fs`, ... */
export function moduleOf(url: string): string {
    if (url === "") return "(native / V8)";
    const file = url.startsWith("file://") ? url.slice("file://".length) : url;
    if (file.startsWith("node:")) return `(node) ${file.slice(5)}`;
    const nm = file.lastIndexOf("/node_modules/");
    if (nm >= 0) {
        const rest = file.slice(nm + "/node_modules/".length).split("/");
        return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
    }
    if (file.startsWith(ROOT + "/")) return `(project) ${file.slice(ROOT.length + 1)}`;
    return file;
}

function frameLabel(f: CallFrame): string {
    const name = f.functionName || "(anonymous)";
    if (f.url === "") return name;
    const mod = moduleOf(f.url);
    const file = f.url.startsWith("file://") ? f.url.slice(7) : f.url;
    const short = mod.startsWith("(project)")
        ? mod.slice("(project) ".length)
        : `${mod}/${path.basename(file)}`;
    return `${name} ${short}:${f.lineNumber + 1}`;
}

function top(map: Map<string, number>, totalMs: number, n: number): ProfileRow[] {
    return [...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([label, ms]) => ({ label, ms, share: ms / totalMs }));
}

export function summarise(profile: CpuProfile, n = 15): ProfileSummary {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
        for (const c of node.children ?? []) parent.set(c, node.id);
    }
    const selfByFunction = new Map<string, number>();
    const inclusive = new Map<string, number>();
    const selfByModule = new Map<string, number>();
    let totalUs = 0;
    profile.samples.forEach((id, i) => {
        const us = profile.timeDeltas[i] ?? 0;
        totalUs += us;
        const node = byId.get(id)!;
        const label = frameLabel(node.callFrame);
        selfByFunction.set(label, (selfByFunction.get(label) ?? 0) + us);
        const mod = moduleOf(node.callFrame.url);
        selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + us);
        // Inclusive: every distinct function on the sample's stack, once.
        const seen = new Set<string>();
        for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
            const l = frameLabel(byId.get(cur)!.callFrame);
            if (!seen.has(l)) {
                seen.add(l);
                inclusive.set(l, (inclusive.get(l) ?? 0) + us);
            }
        }
    });
    const toMs = (m: Map<string, number>) =>
        new Map([...m.entries()].map(([k, v]) => [k, v / 1000]));
    const totalMs = totalUs / 1000;
    return {
        totalMs,
        selfByFunction: top(toMs(selfByFunction), totalMs, n),
        inclusiveByFunction: top(
            toMs(
                new Map(
                    [...inclusive.entries()].filter(([l]) => !/^\((root|program|idle)\)/.test(l)),
                ),
            ),
            totalMs,
            n,
        ),
        selfByModule: top(toMs(selfByModule), totalMs, n),
    };
}

export function summaryMarkdown(s: ProfileSummary): string {
    const table = (title: string, rows: ProfileRow[]) =>
        [
            `| ${title} | ms | share |`,
            "|---|---:|---:|",
            ...rows.map(
                (r) =>
                    `| \`${r.label.replace(/\|/g, "\\|")}\` | ${r.ms.toFixed(0)} | ${(r.share * 100).toFixed(1)}% |`,
            ),
        ].join("\n");
    return [
        `Sampled CPU time: ${(s.totalMs / 1000).toFixed(1)} s.`,
        "",
        table("Self time by module", s.selfByModule),
        "",
        table("Self time by function", s.selfByFunction),
        "",
        table("Inclusive time by function", s.inclusiveByFunction),
        "",
    ].join("\n");
}

if (require.main === module) {
    const [file, count] = process.argv.slice(2);
    if (!file) {
        process.stderr.write("usage: profile-summary.ts FILE.cpuprofile [N]\n");
        process.exit(2);
    }
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    process.stdout.write(summaryMarkdown(summarise(profile, count ? Number(count) : 15)));
}
