/**
 * Renders a `PlanDiff` for people: markdown for a pull-request comment, or plain text for a
 * terminal. Pure and deterministic (the diff is already sorted). Every name from the plan is
 * put in a code span or a fenced block, so a name can never inject markdown or HTML.
 */
import type {
    ConfigDiff,
    DeviceDiff,
    FileChange,
    PlanDiff,
    PlanResource,
    ResourceChange,
    ResourceTypeDiff,
    ValueChange,
} from "./compute";
import { formatHunks } from "./line-diff";

/** Output formats of `plan-diff --format`. */
export const FORMATS = ["markdown", "text"] as const;

/** An output format of `plan-diff --format`. */
export type Format = (typeof FORMATS)[number];

function plural(n: number, noun: string, verb?: [string, string]): string {
    const s = `${n} ${noun}${n === 1 ? "" : "s"}`;
    return verb ? `${s} ${n === 1 ? verb[0] : verb[1]}` : s;
}

/** "1 added, 2 changed": the non-zero counts, in a fixed order. */
function breakdown(parts: Array<[number, string]>): string {
    return parts
        .filter(([n]) => n > 0)
        .map(([n, what]) => `${n} ${what}`)
        .join(", ");
}

/**
 * The one-line summary, e.g. "3 devices change (1 added, 2 changed; 2 config.toml), 5 resources
 * added, 1 removed", or "no changes".
 */
export function summaryLine(diff: PlanDiff): string {
    if (!diff.hasChanges) return "no changes";
    const c = diff.counts;
    const parts: string[] = [];
    if (diff.oldMissing) parts.push("new stack");
    if (diff.stackChange) parts.push(`stack ${diff.stackChange.old} -> ${diff.stackChange.new}`);
    if (diff.projectChange) {
        parts.push(`project ${diff.projectChange.old} -> ${diff.projectChange.new}`);
    }
    const devices = c.devicesAdded + c.devicesRemoved + c.devicesChanged;
    if (devices > 0) {
        const detail = breakdown([
            [c.devicesAdded, "added"],
            [c.devicesRemoved, "removed"],
            [c.devicesChanged, "changed"],
        ]);
        const configs = c.configsChanged > 0 ? `; ${c.configsChanged} config.toml` : "";
        parts.push(`${plural(devices, "device", ["changes", "change"])} (${detail}${configs})`);
    }
    const resourceParts: Array<[number, string]> = [
        [c.resourcesAdded, "added"],
        [c.resourcesRemoved, "removed"],
        [c.resourcesChanged, "changed"],
    ];
    const firstResource = resourceParts.findIndex(([n]) => n > 0);
    if (firstResource !== -1) {
        const [n, what] = resourceParts[firstResource];
        const rest = breakdown(resourceParts.slice(firstResource + 1));
        parts.push(`${plural(n, "resource")} ${what}${rest ? `, ${rest}` : ""}`);
    }
    const secrets = diff.unknownSecrets.added.length + diff.unknownSecrets.removed.length;
    if (secrets > 0) parts.push(plural(secrets, "secret config key", ["changes", "change"]));
    return parts.join(", ");
}

/** Renders the diff in the given format. The text ends with a newline. */
export function renderPlanDiff(diff: PlanDiff, format: Format): string {
    switch (format) {
        case "markdown":
            return renderMarkdown(diff);
        case "text":
            return renderText(diff);
        default: {
            const _exhaustive: never = format;
            throw new Error(`unknown format ${String(_exhaustive)}`);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** A code span that holds any text: the fence is longer than any run of backticks inside. */
export function code(text: string): string {
    const flat = text.replace(/[\r\n]+/g, " ");
    const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
    const fence = "`".repeat(longest + 1);
    const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
    return `${fence}${pad}${flat}${pad}${fence}`;
}

function html(text: string): string {
    return text
        .replace(/&/g, "&amp;")
        .replace(/</g, "&lt;")
        .replace(/>/g, "&gt;")
        .replace(/"/g, "&quot;");
}

/** A fenced block that holds any text: at least three backticks, more than any run inside. */
function fenced(info: string, lines: string[]): string[] {
    const longest = Math.max(
        0,
        ...lines.flatMap((l) => (l.match(/`+/g) ?? []).map((r) => r.length)),
    );
    const fence = "`".repeat(Math.max(3, longest + 1));
    return [`${fence}${info}`, ...lines, fence];
}

function mdChange(label: string, ch: ValueChange | undefined): string[] {
    return ch ? [`${label} ${code(ch.old || "(none)")} → ${code(ch.new || "(none)")}`] : [];
}

function mdResource(r: PlanResource): string {
    const details = [
        ...(r.parent !== undefined ? [`parent ${code(r.parent)}`] : []),
        ...(r.secretInputs.length > 0
            ? [`secret inputs ${r.secretInputs.map(code).join(", ")}`]
            : []),
    ];
    return `${code(r.name)}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
}

function mdResourceChange(r: ResourceChange): string {
    const details = [...mdChange("parent", r.parent)];
    if (r.secretInputs) {
        const { added, removed } = r.secretInputs;
        if (added.length > 0) details.push(`secret inputs added ${added.map(code).join(", ")}`);
        if (removed.length > 0) {
            details.push(`secret inputs removed ${removed.map(code).join(", ")}`);
        }
    }
    return `${code(r.name)}: ${details.join("; ")}`;
}

function typeCounts(t: ResourceTypeDiff): string {
    return breakdown([
        [t.added.length, "added"],
        [t.removed.length, "removed"],
        [t.changed.length, "changed"],
    ]);
}

function mdFile(f: FileChange): string {
    const attrs = (x: FileChange["file"]) =>
        `${code(`${x.owner}:${x.group}`)}, mode ${code(x.mode)}`;
    switch (f.status) {
        case "added":
            return `file **added** ${code(f.path)} (${attrs(f.file)})`;
        case "removed":
            return `file **removed** ${code(f.path)}`;
        case "changed": {
            const details = [
                ...mdChange("owner", f.owner),
                ...mdChange("group", f.group),
                ...mdChange("mode", f.mode),
            ];
            return `file **changed** ${code(f.path)}: ${details.join("; ")}`;
        }
        default: {
            const _exhaustive: never = f.status;
            throw new Error(`unknown file status ${String(_exhaustive)}`);
        }
    }
}

function configCounts(c: ConfigDiff): string {
    return `+${c.diff.added} -${c.diff.removed}`;
}

function configNote(c: ConfigDiff): string {
    if (!c.oldPresent) return `config.toml: new, ${plural(c.diff.added, "line")}`;
    if (!c.newPresent) return "config.toml: no longer rendered";
    return `config.toml: ${plural(c.diff.added, "line")} added, ${c.diff.removed} removed`;
}

function mdDevice(d: DeviceDiff): string[] {
    const what = `${code(d.device.provisioning)}, ${code(d.device.kind)}`;
    switch (d.status) {
        case "added":
            return [
                `- **added** ${code(d.deviceId)}: ${what}, ${plural(d.device.files.length, "file")}`,
            ];
        case "removed":
            return [`- **removed** ${code(d.deviceId)} (was ${what})`];
        case "changed": {
            const details = [
                ...mdChange("provisioning", d.provisioning),
                ...mdChange("kind", d.kind),
                ...d.files.map(mdFile),
                ...(d.config ? [configNote(d.config)] : []),
            ];
            return [`- **changed** ${code(d.deviceId)}`, ...details.map((l) => `  - ${l}`)];
        }
        default: {
            const _exhaustive: never = d.status;
            throw new Error(`unknown device status ${String(_exhaustive)}`);
        }
    }
}

/** `---`/`+++` labels of a device's config.toml, `/dev/null` for a missing side (as git). */
function configLabels(d: DeviceDiff, c: ConfigDiff): [string, string] {
    const file = `devices/${d.deviceId}/config.toml`;
    return [c.oldPresent ? `old/${file}` : "/dev/null", c.newPresent ? `new/${file}` : "/dev/null"];
}

function unifiedDiff(d: DeviceDiff, c: ConfigDiff): string[] {
    const [from, to] = configLabels(d, c);
    return [`--- ${from}`, `+++ ${to}`, ...formatHunks(c.diff.hunks)];
}

function renderMarkdown(diff: PlanDiff): string {
    const out: string[] = [`**Plan diff, stack ${code(diff.stack)}:** ${summaryLine(diff)}`];
    if (!diff.hasChanges) return `${out[0]}\n`;
    if (diff.oldMissing) {
        out.push("", `No old plan: stack ${code(diff.stack)} is new, so everything is added.`);
    }
    const c = diff.counts;
    if (diff.resources.length > 0) {
        const total = breakdown([
            [c.resourcesAdded, "added"],
            [c.resourcesRemoved, "removed"],
            [c.resourcesChanged, "changed"],
        ]);
        out.push("", `### Resources: ${total}`);
        for (const t of diff.resources) {
            out.push("", `#### ${code(t.type)}: ${typeCounts(t)}`, "");
            for (const r of t.added) out.push(`- **added** ${mdResource(r)}`);
            for (const r of t.removed) out.push(`- **removed** ${mdResource(r)}`);
            for (const r of t.changed) out.push(`- **changed** ${mdResourceChange(r)}`);
        }
    }
    if (diff.devices.length > 0) {
        const total = breakdown([
            [c.devicesAdded, "added"],
            [c.devicesRemoved, "removed"],
            [c.devicesChanged, "changed"],
        ]);
        out.push("", `### Devices: ${total}`, "");
        for (const d of diff.devices) out.push(...mdDevice(d));
    }
    const withConfig = diff.devices.filter((d) => d.config !== undefined);
    if (withConfig.length > 0) {
        out.push("", `### config.toml: ${plural(withConfig.length, "device")}`);
        for (const d of withConfig) {
            const cfg = d.config!;
            // A changed device's diff is open; a whole new or deleted file starts folded.
            const open = d.status === "changed" ? " open" : "";
            out.push(
                "",
                `<details${open}><summary><code>${html(d.deviceId)}</code> ${d.status} ` +
                    `(${configCounts(cfg)})</summary>`,
                "",
                ...fenced("diff", unifiedDiff(d, cfg)),
                "",
                "</details>",
            );
        }
    }
    const { added, removed } = diff.unknownSecrets;
    if (added.length + removed.length > 0) {
        out.push("", "### Secret config keys (names only; values are never in a plan)", "");
        for (const k of added) out.push(`- **added** ${code(k)}`);
        for (const k of removed) out.push(`- **removed** ${code(k)}`);
    }
    return `${out.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Text

function textChange(label: string, ch: ValueChange | undefined): string[] {
    return ch ? [`${label} ${ch.old || "(none)"} -> ${ch.new || "(none)"}`] : [];
}

function textResource(r: PlanResource): string {
    const details = [
        ...(r.parent !== undefined ? [`parent ${r.parent}`] : []),
        ...(r.secretInputs.length > 0 ? [`secret inputs ${r.secretInputs.join(", ")}`] : []),
    ];
    return `${r.name}${details.length > 0 ? ` (${details.join("; ")})` : ""}`;
}

function textFile(f: FileChange): string {
    switch (f.status) {
        case "added":
            return `+ file ${f.path} (${f.file.owner}:${f.file.group} ${f.file.mode})`;
        case "removed":
            return `- file ${f.path}`;
        case "changed": {
            const details = [
                ...textChange("owner", f.owner),
                ...textChange("group", f.group),
                ...textChange("mode", f.mode),
            ];
            return `~ file ${f.path}: ${details.join("; ")}`;
        }
        default: {
            const _exhaustive: never = f.status;
            throw new Error(`unknown file status ${String(_exhaustive)}`);
        }
    }
}

function renderText(diff: PlanDiff): string {
    const out: string[] = [`Plan diff, stack ${diff.stack}: ${summaryLine(diff)}`];
    if (!diff.hasChanges) return `${out[0]}\n`;
    if (diff.oldMissing)
        out.push(`No old plan: stack ${diff.stack} is new, so everything is added.`);
    const c = diff.counts;
    if (diff.resources.length > 0) {
        const total = breakdown([
            [c.resourcesAdded, "added"],
            [c.resourcesRemoved, "removed"],
            [c.resourcesChanged, "changed"],
        ]);
        out.push("", `Resources: ${total}`);
        for (const t of diff.resources) {
            out.push(`  ${t.type} (${typeCounts(t)})`);
            for (const r of t.added) out.push(`    + ${textResource(r)}`);
            for (const r of t.removed) out.push(`    - ${textResource(r)}`);
            for (const r of t.changed) {
                const details = [...textChange("parent", r.parent)];
                if (r.secretInputs) {
                    const s = r.secretInputs;
                    const marks = [
                        ...s.added.map((k) => `+${k}`),
                        ...s.removed.map((k) => `-${k}`),
                    ];
                    details.push(`secret inputs ${marks.join(" ")}`);
                }
                out.push(`    ~ ${r.name}: ${details.join("; ")}`);
            }
        }
    }
    if (diff.devices.length > 0) {
        const total = breakdown([
            [c.devicesAdded, "added"],
            [c.devicesRemoved, "removed"],
            [c.devicesChanged, "changed"],
        ]);
        out.push("", `Devices: ${total}`);
        for (const d of diff.devices) {
            const what = `${d.device.provisioning}, ${d.device.kind}`;
            if (d.status === "added") {
                out.push(`  + ${d.deviceId}: ${what}, ${plural(d.device.files.length, "file")}`);
            } else if (d.status === "removed") {
                out.push(`  - ${d.deviceId} (was ${what})`);
            } else {
                out.push(`  ~ ${d.deviceId}`);
                const details = [
                    ...textChange("provisioning", d.provisioning),
                    ...textChange("kind", d.kind),
                    ...d.files.map(textFile),
                    ...(d.config ? [configNote(d.config)] : []),
                ];
                for (const l of details) out.push(`      ${l}`);
            }
        }
    }
    const withConfig = diff.devices.filter((d) => d.config !== undefined);
    if (withConfig.length > 0) {
        out.push("", `config.toml: ${plural(withConfig.length, "device")}`);
        for (const d of withConfig) out.push(...unifiedDiff(d, d.config!));
    }
    const { added, removed } = diff.unknownSecrets;
    if (added.length + removed.length > 0) {
        out.push("", "Secret config keys (names only):");
        for (const k of added) out.push(`  + ${k}`);
        for (const k of removed) out.push(`  - ${k}`);
    }
    return `${out.join("\n")}\n`;
}
