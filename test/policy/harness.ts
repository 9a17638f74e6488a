/**
 * Calls policies the way the @pulumi/policy analyzer does (node_modules/@pulumi/policy/
 * server.js), without the CLI: props wrapped in `unknownCheckingProxy`, `getConfig` returning
 * only what the config file sets, `notApplicable` throwing, `reportViolation` recording.
 */
import {
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    unknownCheckingProxy,
} from "@pulumi/policy";

/**
 * The analyzer's unknown-string sentinel (internal to @pulumi/policy, so required untyped):
 * what a preview sends for an input that depends on a resource not created yet.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const UNKNOWN_STRING: string = require("@pulumi/policy/proxy").unknownStringValue;

/** Thrown by the fake `notApplicable`, as the real one throws NotApplicableError. */
export class NotApplicable extends Error {
    constructor(public readonly reason?: string) {
        super(`not applicable: ${reason}`);
    }
}

/** What a policy did with one resource or stack. */
export interface Outcome {
    /** Messages passed to `reportViolation`, in order. */
    violations: string[];
    /** URNs passed with them (stack policies). */
    urns: (string | undefined)[];
    /** The reason given to `notApplicable`, if the policy called it. */
    notApplicable?: string;
}

/** URN of a resource whose ancestors have the given types (root first). */
export function urnOf(typeChain: string[], name: string, stack = "prod"): string {
    return `urn:pulumi:${stack}::iotedge-fleet::${typeChain.join("$")}::${name}`;
}

/** A resource as a resource policy sees it. */
export interface ResourceInput {
    type: string;
    name: string;
    props: Record<string, unknown>;
    /** Types of the ancestors, root first (default none). */
    ancestors?: string[];
    /** Policy config as the config file sets it (without enforcementLevel). */
    config?: Record<string, unknown>;
    /** A real URN (e.g. from a resource built under mocks) instead of one built from `ancestors`. */
    urn?: string;
}

function fakeOpts(parent?: string): ResourceValidationArgs["opts"] {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(parent ? { parent } : {}),
    };
}

/** Run a resource policy's validations on one resource. */
export async function runResource(
    policy: ResourceValidationPolicy,
    r: ResourceInput,
): Promise<Outcome> {
    const outcome: Outcome = { violations: [], urns: [] };
    const ancestors = r.ancestors ?? [];
    const urn = r.urn ?? urnOf([...ancestors, r.type], r.name);
    const parent =
        r.urn === undefined && ancestors.length > 0
            ? urnOf(ancestors, r.name.replace(/-[^-]*$/, ""))
            : undefined;
    const args: ResourceValidationArgs = {
        type: r.type,
        props: unknownCheckingProxy(r.props),
        urn,
        name: r.name,
        opts: fakeOpts(parent),
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({ ...(r.config ?? {}) }) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : policy.validateResource
          ? [policy.validateResource]
          : [];
    if (validations.length === 0) {
        throw new Error(`${policy.name} has no validateResource`);
    }
    try {
        for (const v of validations) {
            await v(args, (message: string, u?: string) => {
                outcome.violations.push(message);
                outcome.urns.push(u);
            });
        }
    } catch (e) {
        if (e instanceof NotApplicable) {
            outcome.notApplicable = e.reason ?? "";
        } else {
            throw e;
        }
    }
    return outcome;
}

/** A resource of a stack, as a stack policy sees it; `parent` names another one by name. */
export interface StackResourceInput {
    type: string;
    name: string;
    props?: Record<string, unknown>;
    parent?: string;
}

/** Run a stack policy on a set of resources. */
export async function runStack(
    policy: StackValidationPolicy,
    resources: StackResourceInput[],
    config?: Record<string, unknown>,
): Promise<Outcome & { resources: PolicyResource[] }> {
    const byName = new Map<string, PolicyResource>();
    const chain = (r: StackResourceInput): string[] => {
        const p = r.parent === undefined ? undefined : resources.find((x) => x.name === r.parent);
        return p ? [...chain(p), r.type] : [r.type];
    };
    for (const r of resources) {
        byName.set(r.name, {
            type: r.type,
            name: r.name,
            urn: urnOf(chain(r), r.name),
            props: unknownCheckingProxy(r.props ?? {}),
            opts: fakeOpts(),
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        });
    }
    for (const r of resources) {
        if (r.parent !== undefined) {
            const self = byName.get(r.name)!;
            self.parent = byName.get(r.parent);
            self.opts.parent = self.parent?.urn;
        }
    }
    const outcome: Outcome = { violations: [], urns: [] };
    const args: StackValidationArgs = {
        resources: [...byName.values()],
        stackTags: new Map(),
        getConfig: <T extends object>() => ({ ...(config ?? {}) }) as T,
        notApplicable: (reason?: string): never => {
            throw new NotApplicable(reason);
        },
    };
    try {
        await policy.validateStack(args, (message: string, u?: string) => {
            outcome.violations.push(message);
            outcome.urns.push(u);
        });
    } catch (e) {
        if (e instanceof NotApplicable) {
            outcome.notApplicable = e.reason ?? "";
        } else {
            throw e;
        }
    }
    return { ...outcome, resources: args.resources };
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * Inputs recorded by a `setMocks` newResource, as the analyzer hands them to a policy: secrets
 * unwrapped to plaintext and undefined properties dropped (@pulumi/policy deserialize.js).
 */
export function asAnalyzerProps(inputs: unknown): Record<string, unknown> {
    const convert = (v: unknown): unknown => {
        if (Array.isArray(v)) {
            return v.map(convert);
        }
        if (typeof v === "object" && v !== null) {
            const o = v as Record<string, unknown>;
            if (SECRET_SIG in o) {
                return convert(o.value);
            }
            return Object.fromEntries(
                Object.entries(o)
                    .filter(([, x]) => x !== undefined)
                    .map(([k, x]) => [k, convert(x)]),
            );
        }
        return v;
    };
    return convert(inputs) as Record<string, unknown>;
}
