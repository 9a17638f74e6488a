/**
 * The Pulumi mocks the offline plan runs the real program under. They record every resource
 * the program registers, and answer with what Azure or a provider would make known at preview
 * time — and nothing more: a value only known after `pulumi up` (a generated key, a certificate,
 * an ID scope) stays unknown or is an explicit `(known after apply: ...)` placeholder.
 */
import * as pulumi from "@pulumi/pulumi";
import { DPS_SERVICE_POLICY } from "../components/dps/allocation";
import type { ResolvedFleet } from "../components/fleet/resolve";
import { REGISTRY_POLICY } from "../components/hub/policies";

/** The SDK's wire markers for a secret value (runtime/rpc.ts `specialSigKey`/`specialSecretSig`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    /** Name of the parent resource, or undefined for the stack's direct children. */
    parent?: string;
    /** Input property paths whose value is secret (e.g. `connection.privateKey`). */
    secretInputs: string[];
    /** Inputs as registered, secrets replaced by "[secret]". Kept in memory only. */
    inputs: Record<string, unknown>;
}

export function isSecretMarker(value: unknown): value is { value: unknown } {
    return (
        typeof value === "object" &&
        value !== null &&
        (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
    );
}

/** Paths of secret values inside mock inputs, and the inputs with those values redacted. */
export function redactSecrets(
    value: unknown,
    path = "",
    found: string[] = [],
): { redacted: unknown; secretPaths: string[] } {
    const walk = (v: unknown, p: string): unknown => {
        if (isSecretMarker(v)) {
            found.push(p);
            return "[secret]";
        }
        if (Array.isArray(v)) return v.map((e, i) => walk(e, `${p}[${i}]`));
        if (v !== null && typeof v === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, e] of Object.entries(v)) out[k] = walk(e, p ? `${p}.${k}` : k);
            return out;
        }
        return v;
    };
    const redacted = walk(value, path);
    return { redacted, secretPaths: found.sort() };
}

/** `(known after apply: ...)`: what the plan shows for a value Azure assigns on create. */
export function knownAfterApply(what: string): string {
    return `(known after apply: ${what})`;
}

/**
 * Outputs a resource would have at preview time that the program reads. Host names follow from
 * the resource name (Azure's naming rule); the DPS ID scope is assigned by Azure, so it is a
 * placeholder.
 */
function previewOutputs(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
): Record<string, unknown> {
    // A secret input object (e.g. DPS properties carrying link connection strings) arrives
    // wrapped; the provider would answer with the plain object, its secrets masked.
    const props = (v: unknown) =>
        (isSecretMarker(v) ? v.value : v) as Record<string, unknown> | undefined;
    switch (type) {
        case "azure-native:iothub:IotHubResource": {
            const hub = inputs.resourceName ?? name;
            return {
                name: hub,
                properties: { ...props(inputs.properties), hostName: `${hub}.azure-devices.net` },
            };
        }
        case "azure-native:deviceprovisioningservices:IotDpsResource": {
            const dps = inputs.provisioningServiceName ?? name;
            return {
                name: dps,
                properties: {
                    ...props(inputs.properties),
                    idScope: knownAfterApply(`ID scope of DPS ${dps}`),
                    serviceOperationsHostName: `${dps}.azure-devices-provisioning.net`,
                    deviceProvisioningHostName: "global.azure-devices-provisioning.net",
                },
            };
        }
        case "azure-native:resources:ResourceGroup":
            return { name: inputs.resourceGroupName ?? name };
        default:
            return {};
    }
}

/** A stack reference the plan answered itself, and how it came by each output. */
export interface SuppliedReference {
    /** The referenced stack (`org/project/stack` or a stack name). */
    stack: string;
    /** Output name → where the plan's value came from. */
    outputs: Record<string, string>;
}

/**
 * The platform stack's outputs (components/platform.ts) as the offline plan supplies them to a
 * fleet stack: what follows from the platform's model (hub host names, policy names), a
 * placeholder for what Azure assigns (the ID scope). What the platform generated (certificates,
 * keys) is not supplied: the program reads a missing platform output as unknown in a preview
 * (components/platform.ts), and a single unknown value would hide the whole output object.
 */
export function plannedPlatformOutputs(fleet: ResolvedFleet): {
    values: Record<string, unknown>;
    sources: Record<string, string>;
} {
    const values: Record<string, unknown> = {
        platformHubs: Object.fromEntries(
            fleet.hubs.map((h) => [
                h.name,
                { hostName: `${h.name}.azure-devices.net`, registryPolicyName: REGISTRY_POLICY },
            ]),
        ),
    };
    const sources: Record<string, string> = {
        platformHubs: "supplied by the plan from the platform stack's model",
        platformCas: "not supplied: unknown in the plan (certificates the platform generated)",
        platformSecrets: "not supplied: unknown in the plan (secret keys)",
    };
    if (fleet.dps) {
        values.platformDps = {
            idScope: knownAfterApply(`ID scope of DPS ${fleet.dps.name}`),
            serviceHostName: `${fleet.dps.name}.azure-devices-provisioning.net`,
            servicePolicyName: DPS_SERVICE_POLICY,
        };
        sources.platformDps =
            "supplied by the plan from the platform stack's model (ID scope: placeholder)";
    }
    return { values, sources };
}

export class PlanRecorder implements pulumi.runtime.Mocks {
    readonly resources: RecordedResource[] = [];
    /** Stack references answered by the plan, by resource name. */
    readonly references: Record<string, SuppliedReference> = {};

    /** @param fleet the validated fleet, for the outputs a fleet stack's reference reads. */
    constructor(private readonly fleet?: ResolvedFleet) {}
    /** `type::name` → parent's name. The mock monitor is not told parents, so a stack
     * transformation (run in-process by the SDK, before registration) notes them. */
    private readonly parents = new Map<string, string>();

    /** Call once, after setMocks and before the program runs. */
    install(): void {
        pulumi.runtime.registerStackTransformation((args) => {
            const parent = args.opts.parent as { __name?: string } | undefined;
            if (parent?.__name !== undefined)
                this.parents.set(`${args.type}::${args.name}`, parent.__name);
            return undefined;
        });
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const { redacted, secretPaths } = redactSecrets(args.inputs);
        // The dynamic provider's serialized code is an input too: it says nothing to a reviewer.
        const secretInputs = secretPaths.filter((p) => p !== "__provider");
        this.resources.push({
            type: args.type,
            name: args.name,
            parent: this.parents.get(`${args.type}::${args.name}`),
            secretInputs,
            inputs: redacted as Record<string, unknown>,
        });
        if (args.type === "pulumi:pulumi:StackReference") {
            if (!this.fleet?.platform) {
                throw new Error(`the offline plan cannot answer stack reference ${args.name}`);
            }
            const { values, sources } = plannedPlatformOutputs(this.fleet);
            this.references[args.name] = { stack: String(args.inputs.name), outputs: sources };
            return {
                id: String(args.inputs.name),
                state: {
                    name: args.inputs.name,
                    outputs: values,
                    secretOutputNames: ["platformSecrets"],
                },
            };
        }
        return {
            id: undefined, // unknown at preview time, as in `pulumi preview`
            state: { ...args.inputs, ...previewOutputs(args.type, args.name, args.inputs) },
        };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        switch (args.token) {
            // Keys Azure generates: unknown offline, only their shape is returned.
            case "azure-native:iothub:listIotHubResourceKeysForKeyName":
            case "azure-native:deviceprovisioningservices:listIotDpsResourceKeysForKeyName":
                return {
                    keyName: args.inputs.keyName,
                    primaryKey: knownAfterApply(`${args.inputs.keyName} key`),
                    secondaryKey: knownAfterApply(`${args.inputs.keyName} key`),
                    rights: "",
                };
            default:
                throw new Error(`the offline plan does not know the function ${args.token}`);
        }
    }
}
