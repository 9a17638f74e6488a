/**
 * Reads a stack's config the way the Pulumi CLI would hand it to the program, without the CLI:
 * `Pulumi.yaml` for the project name and `stackConfigDir`, then `Pulumi.<stack>.yaml`.
 * `secure:` values cannot be decrypted offline: they become unknown secrets (PLAN_UNKNOWN_SECRET).
 */
import * as path from "path";
import { PLAN_UNKNOWN_SECRET } from "../components/fleet/pulumi-config";
import {
    completeFleet,
    fleetOf,
    readProject,
    readStackFile,
} from "../components/fleet/stack-files";
import { CheckResult, checkFleet, FleetProblem } from "../components/fleet/validate";

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
    /** The fleet model, completed with its platform stack's for a fleet stack. */
    fleet: unknown;
    /** Problems with the stack layering (fleet stack → platform stack). */
    layerProblems: FleetProblem[];
    /** For a fleet stack: the platform stack it references. */
    platformStack?: string;
}

export function projectRoot(): string {
    return path.resolve(__dirname, "..");
}

/** checkFleet on a stack's (completed) fleet, with the layering's own problems first. */
export function checkStack(stack: StackConfig): CheckResult {
    const result = checkFleet(stack.fleet, {
        hasConfig: (key) => `${stack.project}:${key}` in stack.values,
    });
    if (stack.layerProblems.length === 0) return result;
    return { ok: false, problems: [...stack.layerProblems, ...result.problems] };
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
    const config = readStackFile(file);
    if (config === undefined) {
        throw new Error(`no config for stack "${stack}": ${file} does not exist`);
    }
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
    const own = fleetOf(config, project.name) as { platform?: { stack?: string } } | undefined;
    const completed = completeFleet(own, root);
    return {
        project: project.name,
        stack,
        file,
        values,
        secretKeys,
        unknownSecretKeys,
        fleet: completed.fleet,
        layerProblems: completed.problems,
        platformStack: own?.platform?.stack,
    };
}
