/**
 * Reads stack files of this project without the Pulumi CLI: `Pulumi.yaml` for the project name
 * and `stackConfigDir`, then `Pulumi.<stack>.yaml`. Used by the offline commands, and by a fleet
 * stack's program to read its platform stack's model (the same repository holds both).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { RawFleet, withPlatform } from "./layers";
import { FleetProblem } from "./validate";

export interface ProjectFile {
    name: string;
    /** Absolute path of the stack config directory. */
    stackConfigDir: string;
}

export function readProject(root: string): ProjectFile {
    const doc = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    return { name: String(doc.name), stackConfigDir: path.join(root, doc.stackConfigDir ?? ".") };
}

export function stackFilePath(root: string, stack: string): string {
    return path.join(readProject(root).stackConfigDir, `Pulumi.${stack}.yaml`);
}

/** The `config:` map of a stack file (keys as written), or undefined if there is no such file. */
export function readStackFile(file: string): Record<string, unknown> | undefined {
    if (!fs.existsSync(file)) return undefined;
    const doc = parseYaml(fs.readFileSync(file, "utf8")) ?? {};
    return (doc.config ?? {}) as Record<string, unknown>;
}

/** The fleet model in a stack's config map (`<project>:fleet`, or `fleet`). */
export function fleetOf(config: Record<string, unknown>, project: string): unknown {
    return config[`${project}:fleet`] ?? config["fleet"];
}

/**
 * A stack's fleet completed with its platform's model when it is a fleet stack
 * (layers.ts). `problems` name what is wrong with the layering itself.
 */
export function completeFleet(
    fleet: unknown,
    root: string,
): { fleet: unknown; problems: FleetProblem[] } {
    if (fleet === null || typeof fleet !== "object" || Array.isArray(fleet)) {
        return { fleet, problems: [] };
    }
    const platform = (fleet as RawFleet).platform as { stack?: unknown } | undefined;
    if (platform === undefined || typeof platform.stack !== "string") {
        return { fleet, problems: [] };
    }
    const project = readProject(root);
    const config = readStackFile(stackFilePath(root, platform.stack));
    const platformFleet = config && fleetOf(config, project.name);
    return withPlatform(fleet as RawFleet, platformFleet as RawFleet | undefined, platform.stack);
}
