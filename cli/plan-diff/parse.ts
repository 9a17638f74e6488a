/**
 * Reading a plan directory's contents (already loaded as text) into a checked `PlanSnapshot`.
 * Pure: the command reads the files, this checks them and reports every problem at once, each
 * with the path of the offending field (`plan.json: devices[2].files[0].mode: ...`).
 */
import type { PlanDevice, PlanDocument } from "../commands/plan";

/** What one plan directory holds: plan.json, and each device's rendered config.toml. */
export interface PlanSnapshot {
    plan: PlanDocument;
    /** config.toml text by device ID; a device whose config was unknown offline has none. */
    configs: ReadonlyMap<string, string>;
}

/** A plan directory that cannot be read or is not a valid plan; the command exits 2. */
export class PlanDirError extends Error {
    constructor(
        /** The directory, as given on the command line. */
        readonly dir: string,
        /** Every problem found, each with its file and field path. */
        readonly problems: string[],
        /** What is wrong with the directory as a whole. */
        headline = "not a valid plan directory",
    ) {
        super(`${dir}: ${headline}${problems.map((p) => `\n  ${p}`).join("")}`);
    }
}

/** The plan of a stack that does not exist yet: no resources, no devices. */
export function emptySnapshot(stack: string, project: string): PlanSnapshot {
    return {
        plan: { stack, project, unknownSecrets: [], resources: [], devices: [] },
        configs: new Map(),
    };
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks a plan directory's contents: `planJson` is plan.json's text, `configs` each
 * `devices/<id>/config.toml` found. Throws `PlanDirError` naming every problem.
 * Unknown fields are ignored, so an older plan-diff can read a newer plan.
 */
export function parsePlanDir(
    dir: string,
    planJson: string,
    configs: ReadonlyMap<string, string>,
): PlanSnapshot {
    let raw: unknown;
    try {
        raw = JSON.parse(planJson);
    } catch (err) {
        throw new PlanDirError(dir, [`plan.json: not JSON (${(err as Error).message})`]);
    }
    const problems: string[] = [];
    const at = (path: string, message: string) => problems.push(`plan.json: ${path}: ${message}`);
    const str = (o: Obj, key: string, path: string, optional = false): string => {
        const v = o[key];
        if (typeof v === "string") return v;
        if (!(optional && v === undefined)) at(`${path}${key}`, "expected a string");
        return "";
    };
    const strings = (o: Obj, key: string, path: string): string[] => {
        const v = o[key];
        if (Array.isArray(v) && v.every((e) => typeof e === "string")) return v as string[];
        at(`${path}${key}`, "expected an array of strings");
        return [];
    };
    const array = (o: Obj, key: string): unknown[] => {
        const v = o[key];
        if (Array.isArray(v)) return v;
        at(key, "expected an array");
        return [];
    };

    if (!isObj(raw)) throw new PlanDirError(dir, ["plan.json: expected a JSON object"]);
    const stack = str(raw, "stack", "");
    const project = str(raw, "project", "");
    const unknownSecrets = strings(raw, "unknownSecrets", "");

    const resources: PlanDocument["resources"] = [];
    const resourceKeys = new Set<string>();
    array(raw, "resources").forEach((r, i) => {
        const path = `resources[${i}].`;
        if (!isObj(r)) return void at(`resources[${i}]`, "expected an object");
        const type = str(r, "type", path);
        const name = str(r, "name", path);
        const parent = str(r, "parent", path, true);
        const secretInputs = strings(r, "secretInputs", path);
        const key = resourceKey(type, name);
        if (resourceKeys.has(key)) at(`resources[${i}]`, `duplicate resource ${type} ${name}`);
        resourceKeys.add(key);
        resources.push({
            type,
            name,
            ...(r.parent !== undefined ? { parent } : {}),
            secretInputs,
        });
    });

    const devices: PlanDevice[] = [];
    const deviceIds = new Set<string>();
    array(raw, "devices").forEach((d, i) => {
        const path = `devices[${i}].`;
        if (!isObj(d)) return void at(`devices[${i}]`, "expected an object");
        const deviceId = str(d, "deviceId", path);
        if (deviceIds.has(deviceId)) at(`${path}deviceId`, `duplicate device ${deviceId}`);
        deviceIds.add(deviceId);
        const provisioning = str(d, "provisioning", path);
        const kind = str(d, "kind", path);
        const files: PlanDevice["files"] = [];
        const paths = new Set<string>();
        const rawFiles = Array.isArray(d.files) ? d.files : [];
        if (!Array.isArray(d.files)) at(`${path}files`, "expected an array");
        rawFiles.forEach((f, j) => {
            const fpath = `${path}files[${j}].`;
            if (!isObj(f)) return void at(`${path}files[${j}]`, "expected an object");
            const file = {
                path: str(f, "path", fpath),
                owner: str(f, "owner", fpath),
                group: str(f, "group", fpath),
                mode: str(f, "mode", fpath),
            };
            if (paths.has(file.path)) at(`${fpath}path`, `duplicate file ${file.path}`);
            paths.add(file.path);
            files.push(file);
        });
        devices.push({ deviceId, provisioning, kind, files });
    });

    for (const id of [...configs.keys()].sort()) {
        if (!deviceIds.has(id)) {
            problems.push(`devices/${id}/config.toml: no device ${id} in plan.json`);
        }
    }
    if (problems.length > 0) throw new PlanDirError(dir, problems);
    return {
        plan: { stack, project, unknownSecrets, resources, devices },
        configs,
    };
}

/** Identity of a resource across two plans: its type and name (as in its Pulumi URN). */
export function resourceKey(type: string, name: string): string {
    return `${type}\u0000${name}`;
}
