/**
 * What changes between two offline plans, as a typed structure (rendering is render.ts).
 * Pure and deterministic: every list is sorted by code-unit order of its key, never by locale
 * or by the order of the input files.
 *
 * Identity: a resource is its type + name (as in its URN); it "changed" when its parent or the
 * set of its secret inputs differs. A device is its device ID; it "changed" when its
 * provisioning method, kind, files (by path: owner, group, mode) or config.toml differ.
 * The plan never holds a secret value (plan.ts), so nothing here can print one.
 */
import type { PlanDevice, PlanDocument } from "../commands/plan";
import { DEFAULT_CONTEXT, diffText, TextDiff } from "./line-diff";
import { PlanSnapshot, resourceKey } from "./parse";

/** A resource as the plan records it. */
export type PlanResource = PlanDocument["resources"][number];

/** A file placed on a device, as the plan records it. */
export type PlanFile = PlanDevice["files"][number];

/** A scalar that differs between the two plans. */
export interface ValueChange {
    old: string;
    new: string;
}

/** Elements of a set present on one side only. */
export interface SetChange {
    added: string[];
    removed: string[];
}

/** A resource present in both plans whose parent or secret inputs differ. */
export interface ResourceChange {
    type: string;
    name: string;
    /** Set when the parent differs; `""` stands for "no parent" (a direct child of the stack). */
    parent?: ValueChange;
    /** Set when the secret input paths differ. */
    secretInputs?: SetChange;
}

/** Resource changes of one type. */
export interface ResourceTypeDiff {
    type: string;
    added: PlanResource[];
    removed: PlanResource[];
    changed: ResourceChange[];
}

/** A file on a device that was added, removed, or whose owner, group or mode changed. */
export interface FileChange {
    path: string;
    status: "added" | "removed" | "changed";
    /** The file as in the new plan (as in the old one when removed). */
    file: PlanFile;
    owner?: ValueChange;
    group?: ValueChange;
    mode?: ValueChange;
}

/** How a device's config.toml differs; both sides absent never occurs. */
export interface ConfigDiff {
    /** False when the old plan had no config.toml for the device (new device, or unknown). */
    oldPresent: boolean;
    newPresent: boolean;
    diff: TextDiff;
}

/** A device added, removed or changed. */
export interface DeviceDiff {
    deviceId: string;
    status: "added" | "removed" | "changed";
    /** The device as in the new plan (as in the old one when removed). */
    device: PlanDevice;
    provisioning?: ValueChange;
    kind?: ValueChange;
    /** File changes, by path; empty for added and removed devices. */
    files: FileChange[];
    /** Set when config.toml differs (including appearing or disappearing). */
    config?: ConfigDiff;
}

/** Counts for the summary line. */
export interface PlanDiffCounts {
    resourcesAdded: number;
    resourcesRemoved: number;
    resourcesChanged: number;
    devicesAdded: number;
    devicesRemoved: number;
    devicesChanged: number;
    /** Devices whose config.toml differs (added and removed devices included). */
    configsChanged: number;
}

/** Everything that differs between two plans. */
export interface PlanDiff {
    /** The new plan's stack and project. */
    stack: string;
    project: string;
    /** True when there was no old plan (first plan of a new stack): everything is added. */
    oldMissing: boolean;
    /** Set when the two plans are of different stacks or projects. */
    stackChange?: ValueChange;
    projectChange?: ValueChange;
    /** Config keys read as unknown secrets offline (names only, never values). */
    unknownSecrets: SetChange;
    /** By type, sorted; types with no change are left out. */
    resources: ResourceTypeDiff[];
    /** By device ID, sorted. */
    devices: DeviceDiff[];
    counts: PlanDiffCounts;
    /** False when the plans are the same. */
    hasChanges: boolean;
}

/** Options of `computePlanDiff`. */
export interface PlanDiffOptions {
    /** Lines of context around config.toml changes (default 3). */
    context?: number;
}

function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function valueChange(oldValue: string, newValue: string): ValueChange | undefined {
    return oldValue === newValue ? undefined : { old: oldValue, new: newValue };
}

function setChange(oldSet: readonly string[], newSet: readonly string[]): SetChange {
    const o = new Set(oldSet);
    const n = new Set(newSet);
    return {
        added: [...n].filter((e) => !o.has(e)).sort(cmp),
        removed: [...o].filter((e) => !n.has(e)).sort(cmp),
    };
}

function isEmpty(s: SetChange): boolean {
    return s.added.length === 0 && s.removed.length === 0;
}

/**
 * Compares two plan snapshots. `old` undefined means there is no old plan (a new stack): every
 * resource and device of `next` is added.
 */
export function computePlanDiff(
    old: PlanSnapshot | undefined,
    next: PlanSnapshot,
    options: PlanDiffOptions = {},
): PlanDiff {
    const context = options.context ?? DEFAULT_CONTEXT;
    const oldPlan: PlanDocument = normalize(
        old?.plan ?? { ...next.plan, unknownSecrets: [], resources: [], devices: [] },
    );
    const newPlan = normalize(next.plan);
    const oldConfigs = old?.configs ?? new Map<string, string>();
    const resources = diffResources(oldPlan.resources, newPlan.resources);
    const devices = diffDevices(oldPlan, oldConfigs, newPlan, next.configs, context);
    const unknownSecrets = setChange(oldPlan.unknownSecrets, newPlan.unknownSecrets);
    const stackChange = valueChange(oldPlan.stack, newPlan.stack);
    const projectChange = valueChange(oldPlan.project, newPlan.project);
    const count = (status: DeviceDiff["status"]) =>
        devices.filter((d) => d.status === status).length;
    const counts: PlanDiffCounts = {
        resourcesAdded: resources.reduce((n, t) => n + t.added.length, 0),
        resourcesRemoved: resources.reduce((n, t) => n + t.removed.length, 0),
        resourcesChanged: resources.reduce((n, t) => n + t.changed.length, 0),
        devicesAdded: count("added"),
        devicesRemoved: count("removed"),
        devicesChanged: count("changed"),
        configsChanged: devices.filter((d) => d.config !== undefined).length,
    };
    return {
        stack: next.plan.stack,
        project: next.plan.project,
        oldMissing: old === undefined,
        ...(stackChange ? { stackChange } : {}),
        ...(projectChange ? { projectChange } : {}),
        unknownSecrets,
        resources,
        devices,
        counts,
        hasChanges:
            old === undefined ||
            resources.length > 0 ||
            devices.length > 0 ||
            !isEmpty(unknownSecrets) ||
            stackChange !== undefined ||
            projectChange !== undefined,
    };
}

/**
 * A copy of the plan with every list that the diff shows sorted (secret inputs, files), so the
 * output does not depend on the order the program happened to declare things in.
 */
function normalize(plan: PlanDocument): PlanDocument {
    return {
        ...plan,
        resources: plan.resources.map((r) => ({
            ...r,
            secretInputs: [...r.secretInputs].sort(cmp),
        })),
        devices: plan.devices.map((d) => ({
            ...d,
            files: [...d.files].sort((a, b) => cmp(a.path, b.path)),
        })),
    };
}

function diffResources(
    oldList: readonly PlanResource[],
    newList: readonly PlanResource[],
): ResourceTypeDiff[] {
    const oldByKey = new Map(oldList.map((r) => [resourceKey(r.type, r.name), r]));
    const newByKey = new Map(newList.map((r) => [resourceKey(r.type, r.name), r]));
    const byType = new Map<string, ResourceTypeDiff>();
    const entry = (type: string) => {
        let e = byType.get(type);
        if (!e) byType.set(type, (e = { type, added: [], removed: [], changed: [] }));
        return e;
    };
    for (const [key, r] of newByKey) {
        const before = oldByKey.get(key);
        if (!before) {
            entry(r.type).added.push(r);
            continue;
        }
        const parent = valueChange(before.parent ?? "", r.parent ?? "");
        const secretInputs = setChange(before.secretInputs, r.secretInputs);
        if (parent || !isEmpty(secretInputs)) {
            entry(r.type).changed.push({
                type: r.type,
                name: r.name,
                ...(parent ? { parent } : {}),
                ...(!isEmpty(secretInputs) ? { secretInputs } : {}),
            });
        }
    }
    for (const [key, r] of oldByKey) {
        if (!newByKey.has(key)) entry(r.type).removed.push(r);
    }
    const byName = (a: { name: string }, b: { name: string }) => cmp(a.name, b.name);
    return [...byType.values()]
        .map((t) => ({
            type: t.type,
            added: t.added.sort(byName),
            removed: t.removed.sort(byName),
            changed: t.changed.sort(byName),
        }))
        .sort((a, b) => cmp(a.type, b.type));
}

function diffFiles(oldFiles: readonly PlanFile[], newFiles: readonly PlanFile[]): FileChange[] {
    const oldByPath = new Map(oldFiles.map((f) => [f.path, f]));
    const newByPath = new Map(newFiles.map((f) => [f.path, f]));
    const changes: FileChange[] = [];
    for (const [path, file] of newByPath) {
        const before = oldByPath.get(path);
        if (!before) {
            changes.push({ path, status: "added", file });
            continue;
        }
        const owner = valueChange(before.owner, file.owner);
        const group = valueChange(before.group, file.group);
        const mode = valueChange(before.mode, file.mode);
        if (owner || group || mode) {
            changes.push({
                path,
                status: "changed",
                file,
                ...(owner ? { owner } : {}),
                ...(group ? { group } : {}),
                ...(mode ? { mode } : {}),
            });
        }
    }
    for (const [path, file] of oldByPath) {
        if (!newByPath.has(path)) changes.push({ path, status: "removed", file });
    }
    return changes.sort((a, b) => cmp(a.path, b.path));
}

function diffConfig(
    oldText: string | undefined,
    newText: string | undefined,
    context: number,
): ConfigDiff | undefined {
    if (oldText === newText) return undefined;
    return {
        oldPresent: oldText !== undefined,
        newPresent: newText !== undefined,
        diff: diffText(oldText ?? "", newText ?? "", context),
    };
}

function diffDevices(
    oldPlan: PlanDocument,
    oldConfigs: ReadonlyMap<string, string>,
    newPlan: PlanDocument,
    newConfigs: ReadonlyMap<string, string>,
    context: number,
): DeviceDiff[] {
    const oldById = new Map(oldPlan.devices.map((d) => [d.deviceId, d]));
    const newById = new Map(newPlan.devices.map((d) => [d.deviceId, d]));
    const out: DeviceDiff[] = [];
    for (const [id, device] of newById) {
        const before = oldById.get(id);
        const config = diffConfig(oldConfigs.get(id), newConfigs.get(id), context);
        if (!before) {
            out.push({ deviceId: id, status: "added", device, files: [], ...opt({ config }) });
            continue;
        }
        const provisioning = valueChange(before.provisioning, device.provisioning);
        const kind = valueChange(before.kind, device.kind);
        const files = diffFiles(before.files, device.files);
        if (provisioning || kind || files.length > 0 || config) {
            out.push({
                deviceId: id,
                status: "changed",
                device,
                ...opt({ provisioning, kind }),
                files,
                ...opt({ config }),
            });
        }
    }
    for (const [id, device] of oldById) {
        if (newById.has(id)) continue;
        const config = diffConfig(oldConfigs.get(id), undefined, context);
        out.push({ deviceId: id, status: "removed", device, files: [], ...opt({ config }) });
    }
    return out.sort((a, b) => cmp(a.deviceId, b.deviceId));
}

/** The entries of `o` that are not undefined, so optional fields are absent rather than unset. */
function opt<T extends Record<string, unknown>>(o: T): Partial<T> {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
