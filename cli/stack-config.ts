/**
 * Reads a stack's config the way the Pulumi CLI would hand it to the program, without the CLI:
 * `Pulumi.yaml` for the project name and `stackConfigDir`, then `Pulumi.<stack>.yaml`.
 * `secure:` values cannot be decrypted offline: they become unknown secrets (PLAN_UNKNOWN_SECRET).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PLAN_UNKNOWN_SECRET } from "../components/fleet/pulumi-config";

export interface StackConfig {
    project: string;
    stack: string;
    /** Where the config came from, for messages. */
    file: string;
    /** Full keys (`project:key`) to the string Pulumi passes the program (objects as JSON). */
    values: Record<string, string>;
    /** Full keys whose value is secret. */
    secretKeys: string[];
    /** Full keys stored as `secure:` (unknown offline). */
    unknownSecretKeys: string[];
    /** The fleet model, parsed. */
    fleet: unknown;
}

export function projectRoot(): string {
    return path.resolve(__dirname, "..");
}

export function readProject(root = projectRoot()): { name: string; stackConfigDir: string } {
    const doc = parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    return { name: String(doc.name), stackConfigDir: path.join(root, doc.stackConfigDir ?? ".") };
}

function isSecure(value: unknown): boolean {
    if (value === null || typeof value !== "object") return false;
    if (!Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value) return true;
    return Object.values(value as object).some(isSecure);
}

export function readStackConfig(
    stack: string,
    configFile?: string,
    root = projectRoot(),
): StackConfig {
    const project = readProject(root);
    const file = configFile
        ? path.resolve(configFile)
        : path.join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`no config for stack "${stack}": ${file} does not exist`);
    }
    const doc = parseYaml(fs.readFileSync(file, "utf8")) ?? {};
    const config: Record<string, unknown> = doc.config ?? {};
    const values: Record<string, string> = {};
    const secretKeys: string[] = [];
    const unknownSecretKeys: string[] = [];
    for (const [rawKey, value] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project.name}:${rawKey}`;
        if (isSecure(value)) {
            values[key] = PLAN_UNKNOWN_SECRET;
            secretKeys.push(key);
            unknownSecretKeys.push(key);
        } else {
            values[key] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    const fleetKey = `${project.name}:fleet`;
    return {
        project: project.name,
        stack,
        file,
        values,
        secretKeys,
        unknownSecretKeys,
        fleet: config[fleetKey] ?? config["fleet"],
    };
}
